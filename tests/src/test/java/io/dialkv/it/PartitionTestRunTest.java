package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.checker.edn.Keyword;
import io.dialkv.checker.history.History;
import io.dialkv.checker.history.Op;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.harness.Analysis;
import io.dialkv.harness.LevelResult;
import io.dialkv.harness.Report;
import io.dialkv.harness.TestRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A short partition test (20 s, all three levels side by side, random halves) against real node
 * processes, and the shape its results must have whatever the timing: ONE serves on both sides,
 * ALL serves nothing across a cut, QUORUM neither reads stale data nor loses acknowledged writes,
 * LINEARIZABLE is linearizable.
 */
class PartitionTestRunTest {
  private static TestRun.Result result;
  private static List<Op> events;

  @BeforeAll
  static void run() throws Exception {
    Path out = Clusters.dir().resolve("partition-halves-" + System.nanoTime());
    result = TestRun.run(new TestRun.Options(5, 3, List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE"), "partition-halves",
        Duration.ofSeconds(20), Duration.ofSeconds(6), Duration.ofSeconds(4), 5, 1, Duration.ofMillis(20), 42,
        Clusters.nodeJar(), out, Duration.ofSeconds(30), "links"));
    System.out.print(Report.table(result));
    events = History.load(out.resolve("history.edn")).events();
  }

  private static LevelResult level(String name) {
    return result.levels().stream().filter(l -> l.level().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void theReportFolderHoldsHistoryResultsAndAnOfflinePage() throws Exception {
    Path dir = result.reportDir();
    assertThat(events).anyMatch(Op::isNemesis).anyMatch(e -> e.type() == Op.Type.OK);
    assertThat(Files.readString(dir.resolve("results.json"))).contains("\"level\": \"QUORUM\"");
    String html = Files.readString(dir.resolve("report.html"));
    assertThat(html).contains("<svg").contains("served during fault").doesNotContain("<script").doesNotContain("http://c");
    assertThat(result.faults()).isNotEmpty();
  }

  @Test
  void oneServesOnBothSidesOfThePartitionAndReadsStaleData() {
    Set<Long> nodesServing = new TreeSet<>();
    forEachOpInFault("ONE", (window, invoke, completion) -> {
      if (completion.type() == Op.Type.OK) {
        nodesServing.add((Long) invoke.extra().get(Keyword.of("node")));
      }
    });
    assertThat(nodesServing).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(level("ONE").servedDuringFault()).isGreaterThan(0.5);
  }

  @Test
  void allServesNothingAcrossAPartitionThatCutsAReplica() {
    TokenRing ring = TokenRing.create(List.of(1, 2, 3, 4, 5), 64, 3);
    int[] acrossCut = {0};
    int[] checked = {0};
    forEachOpInFault("ALL", (window, invoke, completion) -> {
      Map<Integer, Set<Integer>> blocked = cuts(window.what());
      List<Integer> replicas = ring.replicasFor((String) invoke.key());
      boolean cut = replicas.stream().anyMatch(a -> replicas.stream().anyMatch(b -> blocked.get(a).contains(b)));
      if (cut) {
        checked[0]++;
        if (completion.type() == Op.Type.OK) {
          acrossCut[0]++;
        }
      }
    });
    assertThat(checked[0]).isPositive();
    assertThat(acrossCut[0]).isZero();
  }

  @Test
  void quorumReadsNoStaleDataAndLosesNoAcknowledgedWrite() {
    LevelResult quorum = level("QUORUM");
    assertThat(quorum.ok()).isPositive();
    assertThat(quorum.anomalies().staleReads()).as(quorum.anomalies().examples().toString()).isZero();
    assertThat(quorum.anomalies().lostWrites()).isZero();
    assertThat(quorum.anomalies().readYourWrites()).isZero();
    assertThat(quorum.anomalies().monotonicReads()).isZero();
  }

  @Test
  void linearizableIsLinearizableAndServesOnlyWhereAMajorityIs() {
    LevelResult lin = level("LINEARIZABLE");
    assertThat(lin.ok()).isPositive();
    assertThat(lin.verdict()).as(lin.counterexample()).isEqualTo(io.dialkv.checker.Verdict.LINEARIZABLE);
    assertThat(lin.anomalies().staleReads()).isZero();
    assertThat(lin.anomalies().lostWrites()).isZero();
  }

  @Test
  void concurrentProfileUpdatesLoseNothingAcknowledgedAtQuorum() {
    assertThat(result.profiles()).extracting(p -> p.level()).containsExactly("ONE", "QUORUM", "ALL", "LINEARIZABLE");
    for (var profile : result.profiles()) {
      assertThat(profile.ok()).as(profile.level()).isPositive();
      if (!profile.level().equals("ONE")) {
        assertThat(profile.lostUpdates()).as(profile.examples().toString()).isZero();
      }
    }
  }

  private interface OpInFault {
    void accept(Analysis.FaultWindow window, Op invoke, Op completion);
  }

  /**
   * Every completed operation of the level's register workload that was invoked while a fault was
   * in force.
   */
  private static void forEachOpInFault(String level, OpInFault action) {
    Keyword lv = Keyword.of(level);
    Map<Object, Op> open = new HashMap<>();
    Map<Object, Analysis.FaultWindow> openWindow = new HashMap<>();
    for (int i = 0; i < events.size(); i++) {
      Op e = events.get(i);
      if (e.isNemesis() || !lv.equals(e.extra().get(Keyword.of("level")))
          || e.extra().containsKey(Keyword.of("workload"))) {
        continue;
      }
      if (e.type() == Op.Type.INVOKE) {
        int index = i;
        result.faults().stream()
            .filter(w -> index > w.startIndex() && index < w.endIndex())
            .findFirst()
            .ifPresent(w -> {
              open.put(e.process(), e);
              openWindow.put(e.process(), w);
            });
      } else if (open.containsKey(e.process())) {
        action.accept(openWindow.remove(e.process()), open.remove(e.process()), e);
      }
    }
  }

  /** "partition-halves: n1-x-[3, 4, 5] n3-x-[1, 2] ..." as node to blocked peers. */
  private static Map<Integer, Set<Integer>> cuts(String description) {
    Map<Integer, Set<Integer>> blocked = new HashMap<>();
    for (int n = 1; n <= 5; n++) {
      blocked.put(n, new HashSet<>());
    }
    Matcher m = Pattern.compile("n(\\d+)-x-\\[([\\d, ]+)]").matcher(description);
    while (m.find()) {
      for (String peer : m.group(2).split(",\\s*")) {
        blocked.get(Integer.parseInt(m.group(1))).add(Integer.parseInt(peer.trim()));
      }
    }
    return blocked;
  }
}
