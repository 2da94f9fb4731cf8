package io.dialkv.cli.top;

import java.util.List;
import java.util.Map;

/**
 * One refresh of {@code dialkv top}: per node and per consistency level, what the last interval
 * saw. Rates are per second; latencies in milliseconds (NaN: no request in the interval).
 */
record Frame(long atMillis, double seconds, List<NodeRow> nodes, List<LevelRow> levels, String note) {
  /**
   * @param state {@code up}, {@code down} (its metrics port does not answer), or its membership
   *     state when not a plain member ({@code joining}, {@code leaving})
   * @param seenDown whether the node that answered for the topology believes it down
   * @param why why there are no figures, or ""
   */
  record NodeRow(int node, String state, boolean seenDown, double opsPerSecond, double p99Millis,
      Map<String, Double> errorsPerSecond, long hintsPending, String why) {}

  record LevelRow(String level, double opsPerSecond, double p99Millis, Map<String, Double> errorsPerSecond) {}
}
