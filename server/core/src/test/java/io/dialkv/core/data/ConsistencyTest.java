package io.dialkv.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConsistencyTest {
  @ParameterizedTest(name = "N={0}: ONE {1}, QUORUM {2}, ALL {3}")
  @CsvSource({"1,1,1,1", "2,1,2,2", "3,1,2,3", "4,1,3,4", "5,1,3,5", "7,1,4,7"})
  void requiredReplicas(int n, int one, int quorum, int all) {
    assertThat(Consistency.ONE.required(n)).isEqualTo(one);
    assertThat(Consistency.QUORUM.required(n)).isEqualTo(quorum);
    assertThat(Consistency.ALL.required(n)).isEqualTo(all);
  }

  @ParameterizedTest(name = "N={0}")
  @CsvSource({"1", "2", "3", "4", "5", "6", "7"})
  void quorumReadsAndWritesAlwaysOverlap(int n) {
    int q = Consistency.QUORUM.required(n);
    assertThat(q + q).isGreaterThan(n);
    assertThat(Consistency.ALL.required(n) + Consistency.ONE.required(n)).isGreaterThan(n);
  }
}
