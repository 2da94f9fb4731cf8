package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.harness.LevelResult;
import io.dialkv.harness.Report;
import io.dialkv.harness.TestRun;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 60 s partition tests with every nemesis, all four levels side by side. Too long for the default run:
 * {@code ./mvnw -B verify -Pjepsen} runs them (about 10 minutes); reports land in
 * tests/target/clusters/.
 */
@Tag("jepsen")
class LongPartitionTest {
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"partition-halves", "partition-majorities-ring", "bridge", "isolate-node", "kill", "pause",
      "clock-skew", "membership"})
  void quorumAndAllLoseNoAcknowledgedWriteUnderAnyNemesis(String nemesis) throws Exception {
    TestRun.Result result = TestRun.run(new TestRun.Options(5, 3, List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE"), nemesis,
        Duration.ofSeconds(60), Duration.ofSeconds(10), Duration.ofSeconds(10), 5, 1, Duration.ofMillis(20), 7,
        Clusters.nodeJar(), Clusters.dir().resolve(nemesis + "-" + System.nanoTime()), Duration.ofSeconds(60), "links"));
    System.out.print(Report.table(result));
    for (LevelResult level : result.levels()) {
      assertThat(level.ok()).as(level.level()).isPositive();
      if (level.level().equals("LINEARIZABLE")) {
        // Ballots do not depend on clocks: linearizable under every nemesis, clock skew included.
        assertThat(level.verdict()).as(level.counterexample()).isEqualTo(io.dialkv.checker.Verdict.LINEARIZABLE);
        assertThat(level.anomalies().lostWrites()).isZero();
      } else if (!level.level().equals("ONE") && !nemesis.equals("clock-skew")) {
        // Without clock skew, timestamps order causally related writes correctly.
        assertThat(level.anomalies().lostWrites()).as(level.level()).isZero();
        assertThat(level.anomalies().staleReads()).as(level.level()).isZero();
      }
    }
    for (var profile : result.profiles()) {
      if (!profile.level().equals("ONE") && !nemesis.equals("clock-skew")) {
        assertThat(profile.lostUpdates()).as(profile.level()).isZero();
      }
    }
  }
}
