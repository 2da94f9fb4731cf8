package io.dialkv.core.admission;

import java.time.Duration;

/**
 * How many requests to one server may be outstanding at once, learned from how long they take, in
 * the spirit of TCP Vegas and Netflix's gradient limiter. The node uses one for the requests it
 * coordinates ({@link AdmissionControl}); the client's balancer uses one per node for the requests
 * it has sent there, which also sees the time a request waits in a socket before the node reads it.
 *
 * <p>The limit grows while requests take about as long as they usually do and the limit is in use,
 * and shrinks while they queue. Queueing is judged the way CoDel judges a network queue: by the
 * <em>fastest</em> request of each quarter second. A standing queue delays every request, the
 * fastest too; a blip (a peer's connection breaking, a pause of a few tens of milliseconds) leaves
 * fast requests beside the slow ones and is not mistaken for overload. It is queueing when that
 * fastest request took longer than the usual average latency, which is learned only from requests
 * started while there was room ("calm" ones), so a long surge cannot teach that queueing is normal. Each
 * quarter second found queueing cuts the limit by the ratio of that threshold to what the fastest
 * request took (by half at most), so a deep queue is drained in a few steps and a shallow one
 * nudged.
 *
 * <p>While there is no queueing, twice the limit may be in flight: a limit that is low because
 * traffic was light says little about the server's room, and refusing a burst on it (a client
 * failing over from a dead node) would turn a blip into errors at a server with CPU to spare.
 * Twice, not more, so that the moment a queue drains does not let a flood in. {@code maxInFlight}
 * bounds everything. Not thread-safe.
 */
public final class LatencyLimit {
  // The fastest request of an interval taking longer than the usual (average) latency, plus the
  // slack below, is queueing: without a queue the fastest is well below the average.
  private static final double TOLERANCE = 1.0;
  private static final long SLACK_NANOS = 1_000_000;
  private static final double RECENT_WEIGHT = 0.05; // about the last 20 requests
  private static final double USUAL_WEIGHT = 0.002; // about the last 500 calm requests
  private static final double MAX_CUT = 0.5;
  private static final long INTERVAL_NANOS = 250_000_000L;

  private final int minLimit;
  private final int maxInFlight;
  private double limit;
  private double recentNanos = -1;
  private double usualNanos = -1;
  private long intervalStart = Long.MIN_VALUE;
  private long intervalFastest = Long.MAX_VALUE;
  private long lastIntervalFastest = -1; // -1: no request finished in the last interval

  /**
   * @param minLimit the limit never falls below this, so light traffic is never refused
   * @param maxInFlight never more outstanding than this, whatever latency says
   */
  public LatencyLimit(int minLimit, int maxInFlight) {
    if (minLimit < 1 || maxInFlight < minLimit) {
      throw new IllegalArgumentException(
          "latency limits need 1 <= minimum (" + minLimit + ") <= maximum in flight (" + maxInFlight + ")");
    }
    this.minLimit = minLimit;
    this.maxInFlight = maxInFlight;
    this.limit = minLimit;
  }

  /** Whether one more request may start while {@code inFlight} are outstanding. */
  public boolean allows(int inFlight) {
    return inFlight < maxInFlight && inFlight < (queueing() ? (int) limit : 2 * (int) limit);
  }

  /** Whether a request started now, with {@code inFlight} outstanding before it, had room. */
  public boolean calm(int inFlight) {
    return inFlight < 0.75 * limit;
  }

  /**
   * Learns from one finished request.
   *
   * @param latencyNanos how long it took
   * @param calm what {@link #calm} said when it started
   * @param inFlight how many are still outstanding, this one no longer counted
   * @param nowNanos the time, on a monotonic clock
   */
  public void learn(long latencyNanos, boolean calm, int inFlight, long nowNanos) {
    long latency = Math.max(1, latencyNanos);
    if (intervalStart == Long.MIN_VALUE || nowNanos - intervalStart >= INTERVAL_NANOS) {
      boolean adjacent = intervalStart != Long.MIN_VALUE && nowNanos - intervalStart < 2 * INTERVAL_NANOS;
      lastIntervalFastest = adjacent && intervalFastest != Long.MAX_VALUE ? intervalFastest : -1;
      intervalStart = nowNanos;
      intervalFastest = Long.MAX_VALUE;
      if (queueing()) {
        limit = Math.max(minLimit, limit * Math.max(MAX_CUT, threshold() / lastIntervalFastest));
      }
    }
    intervalFastest = Math.min(intervalFastest, latency);
    recentNanos = recentNanos < 0 ? latency : recentNanos + RECENT_WEIGHT * (latency - recentNanos);
    if (usualNanos < 0) {
      usualNanos = latency;
    } else if (calm) {
      usualNanos += USUAL_WEIGHT * (latency - usualNanos);
    }
    if (!queueing() && inFlight + 1 >= limit / 2) {
      // Grow only while the limit is being used: an idle server teaches nothing about its capacity.
      limit = Math.min(maxInFlight, limit + 1 / Math.sqrt(limit));
    }
  }

  /** Whether even the fastest request of the last interval took well over the usual time: they wait in a queue. */
  public boolean queueing() {
    return usualNanos > 0 && lastIntervalFastest > threshold();
  }

  private double threshold() {
    return TOLERANCE * usualNanos + SLACK_NANOS;
  }

  /** Whether more than half the limit is in use. */
  public boolean underPressure(int inFlight) {
    return inFlight >= limit / 2;
  }

  /** How long requests take now, nanoseconds; -1 before the first has finished. */
  public long recentNanos() {
    return (long) recentNanos;
  }

  public int limit() {
    return (int) limit;
  }

  /** A slot frees about every latency / limit; a few of those, at least a millisecond, at most a second. */
  public Duration retryAfter() {
    double perSlot = recentNanos > 0 ? recentNanos / Math.max(1, limit) : 1_000_000;
    return Duration.ofNanos(Math.max(1_000_000, Math.min(1_000_000_000L, (long) (4 * perSlot))));
  }
}
