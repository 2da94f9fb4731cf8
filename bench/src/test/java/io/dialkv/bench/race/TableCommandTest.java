package io.dialkv.bench.race;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.bench.race.TableCommand.Figure;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TableCommandTest {
  @Test
  void everyFigureIsARatioToTheEchoAndDialkvIsComparedWithEachOtherStore() {
    Map<String, Map<String, Figure>> results = new LinkedHashMap<>();
    results.put("echo", Map.of(Workloads.ECHO, new Figure(50_000, 5, 0)));
    results.put("dialkv", Map.of(Workloads.WRITE_QUORUM, new Figure(15_000, 20, 0),
        Workloads.WRITE_LINEARIZABLE, new Figure(6_000, 40, 3)));
    results.put("etcd", Map.of(Workloads.WRITE_LINEARIZABLE, new Figure(4_000, 50, 0)));
    String table = TableCommand.render(results);
    assertThat(table).contains("E (bare gRPC unary echo, 2 JVMs): 50,000 calls/s");
    assertThat(table).contains("| operation | dialkv | etcd | dialkv / etcd |");
    assertThat(table).contains("| write at QUORUM | 15,000 (p99 20.0) = 0.30 E | — | — |");
    assertThat(table).contains("| LINEARIZABLE write | 6,000 (p99 40.0) = 0.12 E, 3 errors | 4,000 (p99 50.0) = 0.08 E | 1.50x |");
    assertThat(table).doesNotContain("read at ONE");
  }

  @Test
  void withoutAnEchoFigureTheTableSaysSoAndGivesNoRatios() {
    String table = TableCommand.render(Map.of("dialkv", Map.of(Workloads.CAS, new Figure(2_000, 70, 0))));
    assertThat(table).startsWith("E: not measured").contains("| compare-and-set (insert if absent) | 2,000 (p99 70.0) |");
  }
}
