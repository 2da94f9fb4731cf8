package io.dialkv.harness.sim;

import io.dialkv.core.sim.SimCluster;
import io.dialkv.harness.Nemesis;
import io.dialkv.harness.TestCluster;
import java.time.Duration;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;

/**
 * A fault only a simulation can give: for the fault window, every message between nodes is lost
 * with a chance of 5-30% and every request delivered twice with 0-20%, with the usual jitter
 * reordering them; and each one-way link may be worse on its own (one in four loses up to 50% and
 * duplicates up to 30%) or slow (one in four takes 1-150 ms more, so messages overtake each other
 * across links). Healing restores a clean network.
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
  public String inject(TestCluster members, Random random) {
    double drop = 0.05 + 0.25 * random.nextDouble();
    double duplicate = 0.2 * random.nextDouble();
    cluster.network().setLossy(drop, duplicate);
    int ownLoss = 0;
    int slow = 0;
    for (int from : members.nodeIds()) {
      for (int to : members.nodeIds()) {
        if (from == to) {
          continue;
        }
        if (random.nextInt(4) == 0) {
          cluster.network().setLossy(from, to, 0.5 * random.nextDouble(), 0.3 * random.nextDouble());
          ownLoss++;
        }
        if (random.nextInt(4) == 0) {
          cluster.network().delay(from, to, Duration.ofMillis(1 + random.nextInt(150)));
          slow++;
        }
      }
    }
    return String.format(Locale.ROOT, "lossy: %.0f%% lost, %.0f%% duplicated; %d links lossier, %d slower",
        100 * drop, 100 * duplicate, ownLoss, slow);
  }

  @Override
  public CompletableFuture<Void> heal(TestCluster ignored) {
    cluster.network().setLossy(0, 0);
    cluster.network().clearLinkFaults();
    return HEALED;
  }
}
