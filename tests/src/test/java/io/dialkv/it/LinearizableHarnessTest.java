package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.checker.Verdict;
import io.dialkv.harness.LevelResult;
import io.dialkv.harness.Report;
import io.dialkv.harness.TestRun;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The CAS-register workload at LINEARIZABLE under process kills and under clock skew: Paxos ballots
 * must not depend on clocks being right, and a killed proposer's half-done round must be finished
 * or vanish, never half-seen. (Partitions are covered by PartitionTestRunTest.)
 */
class LinearizableHarnessTest {
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"kill", "clock-skew"})
  void staysLinearizable(String nemesis) throws Exception {
    TestRun.Result result = TestRun.run(new TestRun.Options(5, 3, List.of("LINEARIZABLE"), nemesis,
        Duration.ofSeconds(20), Duration.ofSeconds(6), Duration.ofSeconds(4), 3, 2, Duration.ofMillis(20), 11,
        Clusters.nodeJar(), Clusters.dir().resolve("lin-" + nemesis + "-" + System.nanoTime()), Duration.ofSeconds(30),
        "links"));
    System.out.print(Report.table(result));
    LevelResult lin = result.levels().get(0);
    assertThat(lin.ok()).isPositive();
    assertThat(lin.verdict()).as(lin.counterexample()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(lin.anomalies().lostWrites()).isZero();
    assertThat(result.profiles().get(0).lostUpdates()).isZero();
  }
}
