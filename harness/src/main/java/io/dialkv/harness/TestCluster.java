package io.dialkv.harness;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * What a nemesis does to a cluster under test, whether the cluster is node processes on this
 * machine ({@link ProcessCluster}) or a simulated one in virtual time: cut links, kill and
 * restart, pause and resume, skew clocks, add and remove nodes. One nemesis body drives both.
 */
public interface TestCluster {
  /** The members' ids: every node started, but those decommissioned. */
  List<Integer> nodeIds();

  default int size() {
    return nodeIds().size();
  }

  /** Makes the node drop all traffic to and from the given peers; an empty set heals it. */
  void setLinkRules(int node, Collection<Integer> blockedPeers);

  /** Shifts the node's wall clock (0 undoes it). */
  void setClockSkew(int node, long skewMillis);

  /** Kills the node as SIGKILL does; its data directory is kept. */
  void kill(int node) throws Exception;

  /** Starts a killed node again on its data directory. */
  void restart(int node) throws Exception;

  /** Stops the node as SIGSTOP does. */
  void pause(int node) throws Exception;

  /** Continues a paused node. */
  void resume(int node) throws Exception;

  /**
   * Starts a new node that joins the cluster and returns its id at once; {@code joined} completes
   * when it serves as a normal member (or fails if it does not within the cluster's limit).
   */
  Joining addNode() throws Exception;

  /** A node that was started to join, and when it did. */
  record Joining(int id, CompletableFuture<Void> joined) {}

  /**
   * Decommissions a member: it streams its ranges away and stops. Completes when it has left, from
   * then on it is not among {@link #nodeIds()}.
   */
  CompletableFuture<Void> decommission(int node);
}
