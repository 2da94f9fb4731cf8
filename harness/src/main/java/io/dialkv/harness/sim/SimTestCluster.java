package io.dialkv.harness.sim;

import io.dialkv.core.sim.SimCluster;
import io.dialkv.core.sim.SimNetwork;
import io.dialkv.harness.TestCluster;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * A simulated cluster as the nemesis sees it: the same faults as on node processes, applied to the
 * simulation's network, clocks and event loop. Membership changes complete in virtual time.
 */
final class SimTestCluster implements TestCluster {
  private final SimCluster cluster;
  private final Map<Integer, Set<Integer>> linkRules = new TreeMap<>();
  private final Set<Integer> departed = new HashSet<>();
  private int nextId;

  SimTestCluster(SimCluster cluster) {
    this.cluster = cluster;
    this.nextId = cluster.nodeIds().size() + 1;
  }

  SimCluster sim() {
    return cluster;
  }

  @Override
  public List<Integer> nodeIds() {
    List<Integer> members = new ArrayList<>(cluster.nodeIds());
    members.removeAll(departed);
    return members;
  }

  /**
   * As a node's link rules do: the node drops traffic to and from its blocked peers. The network's
   * cuts are the union of every node's rules.
   */
  @Override
  public void setLinkRules(int node, Collection<Integer> blockedPeers) {
    linkRules.put(node, Set.copyOf(blockedPeers));
    SimNetwork network = cluster.network();
    for (int a : cluster.nodeIds()) {
      for (int b : cluster.nodeIds()) {
        if (a == b) {
          continue;
        }
        if (blocks(a, b) || blocks(b, a)) {
          network.cutOneWay(a, b);
        } else {
          network.restoreOneWay(a, b);
        }
      }
    }
  }

  private boolean blocks(int node, int peer) {
    return linkRules.getOrDefault(node, Set.of()).contains(peer);
  }

  @Override
  public void setClockSkew(int node, long skewMillis) {
    cluster.clock(node).skew(java.time.Duration.ofMillis(skewMillis));
  }

  @Override
  public void kill(int node) {
    if (cluster.isRunning(node)) {
      cluster.crash(node);
    }
  }

  @Override
  public void restart(int node) {
    if (!cluster.isRunning(node) && !departed.contains(node)) {
      cluster.restart(node);
    }
  }

  @Override
  public void pause(int node) {
    cluster.pause(node);
  }

  @Override
  public void resume(int node) {
    if (cluster.isRunning(node)) {
      cluster.resume(node);
    }
  }

  @Override
  public Joining addNode() {
    int id = nextId++;
    CompletableFuture<Void> joined = cluster.startJoining(id).joined().thenApply(change -> null);
    return new Joining(id, joined);
  }

  @Override
  public CompletableFuture<Void> decommission(int node) {
    return cluster.node(node).decommission().thenRun(() -> {
      departed.add(node);
      cluster.crash(node); // a node that left stops, as the process does
    });
  }
}
