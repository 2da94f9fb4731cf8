package io.dialkv.harness;

import io.dialkv.checker.Verdict;
import java.util.List;

/**
 * What one consistency level did in a run: one row of the trade-off table.
 *
 * @param level ONE, QUORUM or ALL
 * @param invoked client operations started
 * @param ok acknowledged
 * @param failed certainly not applied (e.g. UNAVAILABLE)
 * @param indeterminate outcome unknown (a write timed out after it was sent)
 * @param invokedDuringFault operations started while a fault was in force
 * @param answeredDuringFault of those, answered: acknowledged, or for a compare-and-set, answered
 *     "not applied" because the key held another value (the store served it; the client's
 *     expectation was stale)
 * @param anomalies stale reads, lost acknowledged writes, session violations
 * @param verdict the linearizability checker's verdict on the level's history
 * @param counterexample why not linearizable (empty otherwise)
 * @param p50Millis median latency of acknowledged operations
 * @param p99Millis 99th percentile latency of acknowledged operations
 * @param points every completed operation as (start ms, latency ms, outcome) for the charts
 */
public record LevelResult(
    String level,
    int invoked,
    int ok,
    int failed,
    int indeterminate,
    int invokedDuringFault,
    int answeredDuringFault,
    Anomalies anomalies,
    Verdict verdict,
    String counterexample,
    double p50Millis,
    double p99Millis,
    List<Point> points) {

  /** One operation on the latency chart. */
  public record Point(double startMillis, double latencyMillis, String outcome) {}

  /** Share of the operations started during faults that were answered. */
  public double servedDuringFault() {
    return invokedDuringFault == 0 ? Double.NaN : answeredDuringFault / (double) invokedDuringFault;
  }
}
