package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.checker.Verdict;
import io.dialkv.checker.history.History;
import io.dialkv.checker.history.Op;
import io.dialkv.harness.LevelResult;
import io.dialkv.harness.Report;
import io.dialkv.harness.TestRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The partition-test command with the membership nemesis: a sixth node joins during the workload,
 * then is decommissioned, while every level runs; no level above ONE may lose an acknowledged
 * write, and LINEARIZABLE stays linearizable.
 */
class MembershipNemesisTest {

  @Test
  void aJoinAndADecommissionDuringTheWorkloadLoseNoAcknowledgedWrite() throws Exception {
    Path out = Clusters.dir().resolve("membership-" + System.nanoTime());
    // A join takes 8 to 15 s here (a JVM start, agreement on the transitional record, one write
    // timeout, streaming) and the next fault starts only after it has finished: 36 s leaves room for
    // the decommission to start on a slow machine too.
    TestRun.Result result = TestRun.run(new TestRun.Options(5, 3, List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE"),
        "membership", Duration.ofSeconds(36), Duration.ofSeconds(6), Duration.ofSeconds(3), 5, 1,
        Duration.ofMillis(20), 7, Clusters.nodeJar(), out, Duration.ofSeconds(30), "links"));
    System.out.print(Report.table(result));

    List<Op> events = History.load(out.resolve("history.edn")).events();
    assertThat(events).filteredOn(Op::isNemesis).extracting(e -> String.valueOf(e.value()))
        .contains("join n6", "decommission n6");
    for (LevelResult level : result.levels()) {
      assertThat(level.ok()).as(level.level()).isPositive();
      if (!level.level().equals("ONE")) {
        assertThat(level.anomalies().lostWrites()).as(level.level() + ": " + level.anomalies().examples()).isZero();
      }
    }
    LevelResult lin = result.levels().stream().filter(l -> l.level().equals("LINEARIZABLE")).findFirst().orElseThrow();
    assertThat(lin.verdict()).as(lin.counterexample()).isEqualTo(Verdict.LINEARIZABLE);
    for (var profile : result.profiles()) {
      if (!profile.level().equals("ONE")) {
        assertThat(profile.lostUpdates()).as(profile.level() + ": " + profile.examples()).isZero();
      }
    }
  }
}
