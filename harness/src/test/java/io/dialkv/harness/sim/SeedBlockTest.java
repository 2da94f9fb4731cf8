package io.dialkv.harness.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A fixed block of 2,000 seeds, every nemesis in turn, every level: what `dialkv simulate --seeds
 * 2000` runs, on every build. A failure names the seed and the command that replays it.
 */
class SeedBlockTest {
  static final long FIRST = 1;
  static final long SEEDS = Long.getLong("dialkv.simulate.seeds", 2_000);

  @Test
  void everySeedKeepsEveryLevelsPromise() throws Exception {
    List<String> nemeses = Simulation.NEMESES;
    List<Campaign.Failure> failures = new ArrayList<>();
    Campaign.Summary summary = Campaign.run(FIRST, SEEDS, Runtime.getRuntime().availableProcessors(),
        s -> Simulation.Options.defaults(s, nemeses.get((int) Math.floorMod(s, (long) nemeses.size()))),
        p -> {}, f -> {
          synchronized (failures) {
            failures.add(f);
          }
        });
    System.out.printf("%d seeds in %.1f s, %.2f simulated hours, %.0fx real time%n", summary.seeds(),
        summary.realNanos() / 1e9, summary.simulatedNanos() / 3.6e12,
        summary.simulatedNanos() / (double) summary.realNanos());
    assertThat(summary.seedsByNemesis()).containsOnlyKeys(nemeses);
    assertThat(failures).as("replay each with the command given").isEmpty();
  }
}
