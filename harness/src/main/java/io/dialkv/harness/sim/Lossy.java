package io.dialkv.harness.sim;

import io.dialkv.core.sim.SimCluster;
import io.dialkv.harness.Nemesis;
import io.dialkv.harness.TestCluster;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A fault only a simulation can give: for the fault window, every message between nodes is lost
 * with a chance of 5-30% and every request delivered twice with 0-20%, with the usual jitter
 * reordering them. Healing restores a clean network.
 */
final class Lossy implements Nemesis {
  private final SimCluster cluster;

  Lossy(SimCluster cluster) {
    this.cluster = cluster;
  }

  @Override
  public String name() {
    return "lossy";
  }

  @Override
  public String inject(TestCluster ignored, Random random) {
    double drop = 0.05 + 0.25 * random.nextDouble();
    double duplicate = 0.2 * random.nextDouble();
    cluster.network().setLossy(drop, duplicate);
    return String.format(Locale.ROOT, "lossy: %.0f%% lost, %.0f%% duplicated", 100 * drop, 100 * duplicate);
  }

  @Override
  public CompletableFuture<Void> heal(TestCluster ignored) {
    cluster.network().setLossy(0, 0);
    return HEALED;
  }
}
