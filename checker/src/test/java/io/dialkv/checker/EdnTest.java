package io.dialkv.checker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.checker.edn.Edn;
import io.dialkv.checker.edn.EdnParseException;
import io.dialkv.checker.edn.Keyword;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EdnTest {
  @Test
  void readsTheFormsJepsenHistoriesUse() {
    Object v = Edn.read("; comment\n{:process 3, :type :ok, :f :cas, :value [1 2], :time 7686455705,"
        + " :error \"x \\\"y\\\"\", :ratio -2.5, :big 123456789012345678901234, :s #{:a}, :l (1 nil true), #_ :gone :k false}");
    @SuppressWarnings("unchecked")
    Map<Object, Object> m = (Map<Object, Object>) v;
    assertThat(m.get(Keyword.of("process"))).isEqualTo(3L);
    assertThat(m.get(Keyword.of("type"))).isEqualTo(Keyword.of("ok"));
    assertThat(m.get(Keyword.of("value"))).isEqualTo(List.of(1L, 2L));
    assertThat(m.get(Keyword.of("error"))).isEqualTo("x \"y\"");
    assertThat(m.get(Keyword.of("ratio"))).isEqualTo(-2.5);
    assertThat(m.get(Keyword.of("big")).toString()).isEqualTo("123456789012345678901234");
    assertThat(m.get(Keyword.of("s"))).isEqualTo(Set.of(Keyword.of("a")));
    assertThat(m.get(Keyword.of("l"))).isEqualTo(java.util.Arrays.asList(1L, null, true));
    assertThat(m.get(Keyword.of("k"))).isEqualTo(false);
    assertThat(m).doesNotContainKey(Keyword.of("gone"));
  }

  @Test
  void writesWhatItReads() {
    String text = "{:process 0, :type :invoke, :f :write, :value [1 \"a\\nb\" nil], :time 12}";
    assertThat(Edn.write(Edn.read(text))).isEqualTo(text);
  }

  @Test
  void badInputSaysWhere() {
    assertThatThrownBy(() -> Edn.read("[{:a 1}\n{:b }]"))
        .isInstanceOf(EdnParseException.class)
        .hasMessage("map with an odd number of forms at line 2");
    assertThatThrownBy(() -> Edn.read("[1 2")).hasMessageContaining("missing ']'");
  }
}
