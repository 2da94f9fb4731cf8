package io.dialkv.harness.sim;

import io.dialkv.harness.Nemesis;
import io.dialkv.harness.TestCluster;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A membership change (a node joins, and at the next window leaves again, as {@code membership}
 * does) with another fault at the same time, a different one drawn each window: a partition of any
 * shape, a kill or pause, clock faults, a lossy network or a swizzle. Ranges move while messages
 * are lost, proposers die and clocks jump: the interleavings where Paxos state and hints meet a
 * range movement.
 *
 * <p>The node that is joining or leaving is not killed: a decommission or join whose own process
 * dies does not resume when it restarts (an operator starts it again), so the window could not
 * heal. Every other fault reaches it too.
 */
final class MembershipUnderFaults implements Nemesis {
  static final List<String> WITH = List.of("partition-halves", "partition-majorities-ring", "bridge", "isolate-node",
      "kill", "pause", "clock-skew", "clocks", "lossy", "swizzle");

  private final Nemesis.MembershipChange membership = new Nemesis.MembershipChange();
  private final Map<String, Nemesis> others;
  private Nemesis current;

  MembershipUnderFaults(Function<String, Nemesis> make) {
    Map<String, Nemesis> made = new java.util.LinkedHashMap<>();
    WITH.forEach(name -> made.put(name, make.apply(name)));
    this.others = made;
  }

  @Override
  public String name() {
    return "membership-under-faults";
  }

  @Override
  public String inject(TestCluster cluster, Random random) throws Exception {
    String change = membership.inject(cluster, random);
    current = others.get(WITH.get(random.nextInt(WITH.size())));
    TestCluster target = current.name().equals("kill") ? without(cluster, List.of(membership.changingNode())) : cluster;
    return change + " + " + current.inject(target, random);
  }

  @Override
  public CompletableFuture<Void> heal(TestCluster cluster) throws Exception {
    CompletableFuture<Void> other = current == null ? HEALED : current.heal(cluster);
    CompletableFuture<Void> change = membership.heal(cluster);
    return CompletableFuture.allOf(other, change);
  }

  /** The cluster with some members hidden from a nemesis's choice (they take no fault of it). */
  private static TestCluster without(TestCluster cluster, Collection<Integer> spared) {
    return new TestCluster() {
      @Override public List<Integer> nodeIds() {
        List<Integer> ids = new ArrayList<>(cluster.nodeIds());
        ids.removeAll(spared);
        return ids;
      }

      @Override public void setLinkRules(int node, Collection<Integer> blockedPeers) {
        cluster.setLinkRules(node, blockedPeers);
      }

      @Override public void setClockSkew(int node, long skewMillis) {
        cluster.setClockSkew(node, skewMillis);
      }

      @Override public void kill(int node) throws Exception {
        cluster.kill(node);
      }

      @Override public void restart(int node) throws Exception {
        cluster.restart(node);
      }

      @Override public void pause(int node) throws Exception {
        cluster.pause(node);
      }

      @Override public void resume(int node) throws Exception {
        cluster.resume(node);
      }

      @Override public Joining addNode() throws Exception {
        return cluster.addNode();
      }

      @Override public CompletableFuture<Void> decommission(int node) {
        return cluster.decommission(node);
      }
    };
  }
}
