package io.dialkv.harness.sim;

import io.dialkv.core.sim.SimCluster;
import io.dialkv.harness.Nemesis;
import io.dialkv.harness.TestCluster;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * Clocks that misbehave as real ones do, which a process's fixed skew cannot show: one or two
 * nodes drift (both clocks up to 5% fast or slow: timeouts, the failure detector and Paxos
 * back-off all run on them) and their wall clocks jump one to three times in the window, forward
 * or back, to anywhere within 180 ms of true time. Two such nodes stay within the cluster's
 * maximum clock offset of 500 ms of each other (2 x (180 ms + 5% of a 1 s window)), as do a
 * node's clock and the timestamps it issued before jumping back: the offsets whose effect on
 * last-write-wins a client gets. Beyond the offset a node refuses the other's timestamps instead
 * (see {@link Nemesis.ClockSkew}). Healing resynchronises them.
 */
final class ClockFaults implements Nemesis {
  private final SimCluster sim;
  private final Duration fault;
  private final Set<Integer> touched = new TreeSet<>();
  private int window;

  ClockFaults(SimCluster sim, Duration fault) {
    this.sim = sim;
    this.fault = fault;
  }

  @Override
  public String name() {
    return "clocks";
  }

  @Override
  public String inject(TestCluster cluster, Random random) {
    StringBuilder what = new StringBuilder("clocks:");
    int count = 1 + random.nextInt(2);
    int thisWindow = window;
    for (int i = 0; i < count; i++) {
      int node = cluster.nodeIds().get(random.nextInt(cluster.size()));
      double rate = (random.nextDouble() * 2 - 1) * 0.05;
      sim.clock(node).drift(rate);
      touched.add(node);
      what.append(i > 0 ? ";" : "").append(String.format(Locale.ROOT, " n%d drifts %+.1f%%", node, 100 * rate));
      int jumps = 1 + random.nextInt(3);
      for (int j = 0; j < jumps; j++) {
        long at = (long) (random.nextDouble() * 0.9 * fault.toNanos());
        long skew = random.nextInt(361) - 180;
        after(at, () -> {
          if (window == thisWindow && sim.isRunning(node)) {
            cluster.setClockSkew(node, skew);
          }
        });
        what.append(String.format(Locale.ROOT, ", jumps to %+d ms at %d ms", skew, at / 1_000_000));
      }
    }
    return what.toString();
  }

  private void after(long afterNanos, Runnable task) {
    sim.world().after(Duration.ofNanos(afterNanos), task);
  }

  @Override
  public CompletableFuture<Void> heal(TestCluster cluster) {
    window++;
    for (int node : touched) {
      sim.clock(node).resetWall();
    }
    touched.clear();
    return HEALED;
  }
}
