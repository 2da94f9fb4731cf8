package io.dialkv.harness.sim;

import io.dialkv.core.sim.SimCluster;
import io.dialkv.harness.Nemesis;
import io.dialkv.harness.TestCluster;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * Cuts the power each window, of one random node or (one window in two) of every node at once,
 * as a building's power fails, and restores it at the heal: what a kill does, and each disk also
 * loses what the operating system had not written back. With {@code --sync-writes}
 * ({@code power-loss}) that is nothing acknowledged, and every level must keep its promise; without
 * ({@code power-loss-unsynced}) a node forgets acknowledged writes and Paxos promises and
 * acceptances of the last seconds, so no level can promise anything (README: surviving a power loss
 * needs {@code --sync-writes}), and the run shows what breaks.
 */
final class PowerLoss implements Nemesis {
  private final SimCluster sim;
  private final boolean synced;
  private final List<Integer> victims = new ArrayList<>();

  PowerLoss(SimCluster sim, boolean synced) {
    this.sim = sim;
    this.synced = synced;
  }

  @Override
  public String name() {
    return synced ? "power-loss" : "power-loss-unsynced";
  }

  @Override
  public String inject(TestCluster cluster, Random random) {
    List<Integer> cut = random.nextBoolean()
        ? List.copyOf(cluster.nodeIds())
        : List.of(cluster.nodeIds().get(random.nextInt(cluster.size())));
    for (int victim : cut) {
      if (sim.isRunning(victim)) {
        sim.powerLoss(victim);
        victims.add(victim);
      }
    }
    return "power loss " + cut.stream().map(n -> "n" + n).toList() + (synced ? " (--sync-writes)" : " (no --sync-writes)");
  }

  @Override
  public CompletableFuture<Void> heal(TestCluster cluster) throws Exception {
    for (int victim : victims) {
      cluster.restart(victim);
    }
    victims.clear();
    return HEALED;
  }
}
