package io.dialkv.core.membership;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * The phi accrual failure detector (Hayashibara et al., 2004), in the variant Akka uses: heartbeat
 * inter-arrival times are modelled as a normal distribution, and phi = -log10(P(a heartbeat arrives
 * later than now)). An acceptable pause is added to the mean so that a GC pause or a slow link does
 * not mark a node down, and the standard deviation has a floor so that very regular heartbeats do
 * not make the detector hair-triggered.
 *
 * <p>A node never heard from is considered down. Not thread-safe: owned by one event loop.
 */
public final class PhiAccrualFailureDetector implements FailureDetector {
  private static final int WINDOW = 100;

  private final double threshold;
  private final double minStdDevMillis;
  private final double acceptablePauseMillis;
  private final double firstIntervalMillis;
  private final Map<Integer, History> histories = new HashMap<>();

  /**
   * @param threshold phi above which a node is considered down (8 is a common choice)
   * @param heartbeatIntervalMillis expected interval, used to seed the history
   * @param minStdDevMillis floor of the standard deviation
   * @param acceptablePauseMillis silence tolerated on top of the mean interval
   */
  public PhiAccrualFailureDetector(
      double threshold,
      double heartbeatIntervalMillis,
      double minStdDevMillis,
      double acceptablePauseMillis) {
    this.threshold = threshold;
    this.firstIntervalMillis = heartbeatIntervalMillis;
    this.minStdDevMillis = minStdDevMillis;
    this.acceptablePauseMillis = acceptablePauseMillis;
  }

  @Override
  public void heartbeat(int nodeId, long nowNanos) {
    History h = histories.computeIfAbsent(nodeId, id -> new History());
    if (h.lastNanos != Long.MIN_VALUE) {
      h.add((nowNanos - h.lastNanos) / 1e6);
    } else {
      // Seed with the expected interval (and its spread) so that phi is meaningful at once.
      h.add(firstIntervalMillis - firstIntervalMillis / 4);
      h.add(firstIntervalMillis + firstIntervalMillis / 4);
    }
    h.lastNanos = nowNanos;
  }

  @Override
  public double phi(int nodeId, long nowNanos) {
    History h = histories.get(nodeId);
    if (h == null || h.lastNanos == Long.MIN_VALUE) {
      return Double.POSITIVE_INFINITY;
    }
    double elapsed = (nowNanos - h.lastNanos) / 1e6;
    double mean = h.mean() + acceptablePauseMillis;
    double stdDev = Math.max(h.stdDev(), minStdDevMillis);
    return phi(elapsed, mean, stdDev);
  }

  @Override
  public boolean isAlive(int nodeId, long nowNanos) {
    return phi(nodeId, nowNanos) < threshold;
  }

  /** Milliseconds since the last heartbeat, or -1 if never heard from. */
  public long millisSinceLastHeartbeat(int nodeId, long nowNanos) {
    History h = histories.get(nodeId);
    return h == null || h.lastNanos == Long.MIN_VALUE ? -1 : (nowNanos - h.lastNanos) / 1_000_000;
  }

  /**
   * -log10 of the normal distribution's upper tail, with the logistic approximation of its CDF
   * that Akka uses (error below 0.0002 on the whole line).
   */
  static double phi(double elapsedMillis, double meanMillis, double stdDevMillis) {
    double y = (elapsedMillis - meanMillis) / stdDevMillis;
    double e = Math.exp(-y * (1.5976 + 0.070566 * y * y));
    if (elapsedMillis > meanMillis) {
      return -Math.log10(e / (1.0 + e));
    }
    return -Math.log10(1.0 - 1.0 / (1.0 + e));
  }

  private static final class History {
    private final ArrayDeque<Double> intervals = new ArrayDeque<>();
    private double sum;
    private double sumOfSquares;
    private long lastNanos = Long.MIN_VALUE;

    void add(double interval) {
      if (intervals.size() == WINDOW) {
        double old = intervals.removeFirst();
        sum -= old;
        sumOfSquares -= old * old;
      }
      intervals.addLast(interval);
      sum += interval;
      sumOfSquares += interval * interval;
    }

    double mean() {
      return sum / intervals.size();
    }

    double stdDev() {
      double mean = mean();
      return Math.sqrt(Math.max(0, sumOfSquares / intervals.size() - mean * mean));
    }
  }
}
