package io.dialkv.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.checker.history.History;
import io.dialkv.checker.model.Model;
import io.dialkv.checker.model.RegisterModel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Hand-made histories whose verdicts follow from the definition. */
class LinearizabilityCheckerTest {
  private final LinearizabilityChecker checker = LinearizabilityChecker.withDefaults();

  private CheckResult check(String edn, Model model) {
    return checker.check(History.parse(edn).operations(), model);
  }

  private static final Model REGISTER = RegisterModel.register(0L);
  private static final Model CAS = RegisterModel.casRegister(0L);

  @Test
  void sequentialWriteThenReadIsLinearizable() {
    CheckResult r = check("""
        [{:process 0 :type :invoke :f :write :value 1}
         {:process 0 :type :ok :f :write :value 1}
         {:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value 1}]""", REGISTER);
    assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void staleReadAfterACompletedWriteIsNot() {
    CheckResult r = check("""
        [{:process 0 :type :invoke :f :write :value 1}
         {:process 0 :type :ok :f :write :value 1}
         {:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value 0}]""", REGISTER);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
    Counterexample c = r.counterexample();
    assertThat(c.blocked().f()).isEqualTo("read");
    assertThat(c.blocked().output()).isEqualTo(0L);
    assertThat(c.linearized()).extracting(o -> o.f()).containsExactly("write");
    assertThat(c.states()).containsExactly(0L, 1L);
    assertThat(c.describe()).contains("no open operation can take effect before p1 read");
  }

  @Test
  void concurrentReadMaySeeEitherValue() {
    String template = """
        [{:process 0 :type :invoke :f :write :value 1}
         {:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value %d}
         {:process 0 :type :ok :f :write :value 1}]""";
    assertThat(check(template.formatted(0), REGISTER).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(template.formatted(1), REGISTER).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(template.formatted(2), REGISTER).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void readsCannotGoBackInTime() {
    // Two reads in sequence, both concurrent with the write: new then old is impossible.
    CheckResult r = check("""
        [{:process 0 :type :invoke :f :write :value 1}
         {:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value 1}
         {:process 2 :type :invoke :f :read :value nil}
         {:process 2 :type :ok :f :read :value 0}
         {:process 0 :type :ok :f :write :value 1}]""", REGISTER);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void anIndeterminateWriteMayHaveHappenedLaterOrNever() {
    String template = """
        [{:process 0 :type :invoke :f :write :value 1}
         {:process 0 :type :info :f :write :value 1}
         {:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value %d}
         {:process 2 :type :invoke :f :read :value nil}
         {:process 2 :type :ok :f :read :value %d}]""";
    assertThat(check(template.formatted(0, 0), REGISTER).verdict()).isEqualTo(Verdict.LINEARIZABLE); // never
    assertThat(check(template.formatted(0, 1), REGISTER).verdict()).isEqualTo(Verdict.LINEARIZABLE); // late
    assertThat(check(template.formatted(1, 1), REGISTER).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(template.formatted(1, 0), REGISTER).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void aFailedWriteDidNotHappen() {
    CheckResult r = check("""
        [{:process 0 :type :invoke :f :write :value 1}
         {:process 0 :type :fail :f :write :value 1}
         {:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value 1}]""", REGISTER);
    assertThat(r.verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void casSucceedsOnlyFromTheExpectedValue() {
    String template = """
        [{:process 0 :type :invoke :f :cas :value [%d 5]}
         {:process 0 :type :ok :f :cas :value [%1$d 5]}
         {:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value 5}]""";
    assertThat(check(template.formatted(0), CAS).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(check(template.formatted(3), CAS).verdict()).isEqualTo(Verdict.NOT_LINEARIZABLE);
  }

  @Test
  void keysAreCheckedIndependently() {
    CheckResult r = check("""
        {:process 0 :type :invoke :f :write :key "a" :value 1}
        {:process 0 :type :ok :f :write :key "a" :value 1}
        {:process 1 :type :invoke :f :read :key "b" :value nil}
        {:process 1 :type :ok :f :read :key "b" :value 0}
        {:process 1 :type :invoke :f :read :key "a" :value nil}
        {:process 1 :type :ok :f :read :key "a" :value 1}""", REGISTER);
    assertThat(r.verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(r.partitions()).isEqualTo(2);
  }

  @Test
  void anExhaustedBudgetIsUnknownNotAGuess() {
    StringBuilder h = new StringBuilder("[");
    // Many concurrent writes of distinct values and reads that never match: a large search.
    for (int p = 0; p < 14; p++) {
      h.append("{:process ").append(p).append(" :type :invoke :f :write :value ").append(p + 10).append("}\n");
    }
    h.append("{:process 99 :type :invoke :f :read :value nil}\n{:process 99 :type :ok :f :read :value 7}\n");
    for (int p = 0; p < 14; p++) {
      h.append("{:process ").append(p).append(" :type :ok :f :write :value ").append(p + 10).append("}\n");
    }
    h.append("]");
    CheckResult r = new LinearizabilityChecker(Duration.ofSeconds(5), 1_000)
        .check(History.parse(h.toString()).operations(), REGISTER);
    assertThat(r.verdict()).isEqualTo(Verdict.UNKNOWN);
  }
}
