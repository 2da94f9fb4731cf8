package io.dialkv.node.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;

/**
 * Client requests a node served, by operation, consistency level and outcome, and how long they
 * took, by operation and level: what the partition-test report counts, as Prometheus metrics.
 *
 * <p>Labels come from fixed sets (the operations, the levels, the failure kinds the node answers
 * with), never from keys or callers, so the number of series stays bounded whatever clients send.
 * The data points of a successful request are looked up once and kept: recording one is two
 * increments, no map lookup. Thread-safe.
 */
public final class RequestMetrics {
  /** The client API's operations, as labelled. */
  public enum Operation {
    GET, PUT, DELETE, COMPARE_AND_SET, GET_PROFILE, PUT_PROFILE, UPDATE_PROFILE, DELETE_PROFILE;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  /** The levels as labelled; {@code unknown} for a number the client API does not define. */
  public enum Level {
    ONE, QUORUM, ALL, LINEARIZABLE, UNKNOWN;

    final String label = name().toLowerCase(Locale.ROOT);
  }

  /** The outcome label of a request answered with a value. */
  public static final String OK = "ok";

  // Latencies from a fraction of a millisecond (ONE on a laptop) to the client's patience.
  private static final double[] SECONDS = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10
  };

  private final Counter requests;
  private final Histogram durations;
  private final CounterDataPoint[][] served;
  private final DistributionDataPoint[][] timed;

  public RequestMetrics(PrometheusRegistry registry) {
    requests = Counter.builder()
        .name("dialkv_requests")
        .help("Client requests this node coordinated, by operation, consistency level and outcome "
            + "(ok, or the dialkv-error kind it answered with: unavailable, indeterminate, contention, "
            + "invalid-argument, overloaded, ...)")
        .labelNames("operation", "level", "outcome")
        .register(registry);
    durations = Histogram.builder()
        .name("dialkv_request_duration_seconds")
        .help("Time from a client request's arrival to its answer, by operation and consistency level")
        .labelNames("operation", "level")
        .classicOnly()
        .classicUpperBounds(SECONDS)
        .register(registry);
    served = new CounterDataPoint[Operation.values().length][Level.values().length];
    timed = new DistributionDataPoint[Operation.values().length][Level.values().length];
    for (Operation op : Operation.values()) {
      for (Level level : Level.values()) {
        served[op.ordinal()][level.ordinal()] = requests.labelValues(op.label, level.label, OK);
        timed[op.ordinal()][level.ordinal()] = durations.labelValues(op.label, level.label);
      }
    }
  }

  /**
   * Counts one answered request.
   *
   * @param outcome {@link #OK} or the kind of failure answered (a short fixed word)
   * @param startNanos {@link System#nanoTime} when it arrived
   */
  public void record(Operation op, Level level, String outcome, long startNanos) {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    timed[op.ordinal()][level.ordinal()].observe(seconds);
    if (OK.equals(outcome)) {
      served[op.ordinal()][level.ordinal()].inc();
    } else {
      requests.labelValues(op.label, level.label, outcome).inc();
    }
  }
}
