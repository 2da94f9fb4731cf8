package io.dialkv.harness;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.checker.edn.Keyword;
import io.dialkv.checker.history.Op;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The trade-off table's figures from a history. */
class AnalysisTest {
  private final List<Op> events = new ArrayList<>();
  private long now;

  private void op(long process, Op.Type type, String f, Object value, String error) {
    Map<Object, Object> extra = new LinkedHashMap<>();
    extra.put(Keyword.of("level"), Keyword.of("LINEARIZABLE"));
    if (error != null) {
      extra.put(Keyword.of("error"), error);
    }
    events.add(new Op(process, type, f, "r1", value, now += 1_000_000, extra));
  }

  private void nemesis(String f) {
    events.add(new Op(Op.NEMESIS, Op.Type.INFO, f, null, null, now += 1_000_000, Map.of()));
  }

  @Test
  void aCompareAndSetAnsweredNotAppliedWasServedAndAnUnavailableOneWasNot() {
    nemesis("start");
    op(1, Op.Type.INVOKE, "write", 1L, null);
    op(1, Op.Type.OK, "write", 1L, null);
    op(2, Op.Type.INVOKE, "cas", List.of(0L, 2L), null);
    op(2, Op.Type.FAIL, "cas", List.of(0L, 2L), RegisterWorkload.PRECONDITION);
    op(3, Op.Type.INVOKE, "cas", List.of(1L, 3L), null);
    op(3, Op.Type.FAIL, "cas", List.of(1L, 3L), "UNAVAILABLE");
    op(4, Op.Type.INVOKE, "write", 4L, null);
    op(4, Op.Type.INFO, "write", 4L, "INDETERMINATE");
    nemesis("stop");

    LevelResult r = Analysis.analyse("LINEARIZABLE", events, Analysis.faultWindows(events), Map.of(),
        Duration.ofSeconds(5));
    assertThat(r.invokedDuringFault()).isEqualTo(4);
    assertThat(r.answeredDuringFault()).isEqualTo(2);
    assertThat(r.servedDuringFault()).isEqualTo(0.5);
    assertThat(r.ok()).isEqualTo(1);
    assertThat(r.failed()).isEqualTo(2);
    assertThat(r.indeterminate()).isEqualTo(1);
  }
}
