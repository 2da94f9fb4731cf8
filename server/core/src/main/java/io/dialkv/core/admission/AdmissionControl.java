package io.dialkv.core.admission;

import io.dialkv.core.time.Clock;
import java.time.Duration;

/**
 * Bounds the client requests a node coordinates at once, so that an influx is refused at the door
 * instead of queueing without bound until every request misses its deadline.
 *
 * <p>The limit adapts to the machine, in the spirit of TCP Vegas and Netflix's gradient limiter:
 * it grows while requests take about as long as they usually do, and shrinks when their recent
 * latency climbs above twice their usual latency, which is what queueing looks like from inside.
 * The usual latency is learned only from requests admitted while the node had room, so a long
 * surge cannot teach the node that queueing is normal. A node on a small CPU quota therefore
 * settles on a small limit and a big machine on a big one, with no tuning. The limit never leaves
 * {@code [minLimit, maxInFlight]}.
 *
 * <p>A request is refused, with nothing done, when the node is at its limit, when its deadline
 * has already passed (it waited in a socket buffer or a queue for too long), or when the node is
 * under pressure and the time left is shorter than requests take here now. Replica work from peers
 * is never refused here: it belongs to a request some coordinator admitted, and dropping it could
 * only turn an acknowledged write into a hint. Each admitted request sends at most one message per
 * replica, so the coordinators' limits also bound the replica work queued on any node.
 *
 * <p>Used on the node's event loop only; not thread-safe.
 */
public final class AdmissionControl {
  /**
   * @param enabled false admits everything (the comparison run: how a node without protection
   *     fares)
   * @param maxInFlight the most requests this node coordinates at once, whatever latency says
   * @param minLimit the limit never falls below this, so light traffic is never refused
   */
  public record Settings(boolean enabled, int maxInFlight, int minLimit) {
    public static final int DEFAULT_MAX_IN_FLIGHT = 1024;
    public static final int DEFAULT_MIN_LIMIT = 32;

    public Settings {
      if (minLimit < 1 || maxInFlight < minLimit) {
        throw new IllegalArgumentException(
            "admission limits need 1 <= minimum (" + minLimit + ") <= maximum in flight (" + maxInFlight + ")");
      }
    }

    public static Settings defaults() {
      return new Settings(true, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MIN_LIMIT);
    }

    public static Settings off() {
      return new Settings(false, DEFAULT_MAX_IN_FLIGHT, DEFAULT_MIN_LIMIT);
    }
  }

  /**
   * A request holding one of the node's slots; give it back with {@link #release}.
   *
   * @param calm whether the node had room when it was admitted (its latency is then "usual")
   */
  public record Ticket(long admittedNanos, boolean calm) {}

  // Latency up to this many times the usual latency, plus the slack below, is not queueing.
  private static final double TOLERANCE = 2.0;
  private static final long SLACK_NANOS = 1_000_000;
  private static final double RECENT_WEIGHT = 0.05; // about the last 20 requests
  private static final double USUAL_WEIGHT = 0.002; // about the last 500 calm requests
  private static final double DECREASE = 0.02;

  private final Settings settings;
  private final int selfId;
  private final Clock clock;
  private double limit;
  private int inFlight;
  private double recentNanos = -1;
  private double usualNanos = -1;
  private long refused;

  public AdmissionControl(int selfId, Settings settings, Clock clock) {
    this.selfId = selfId;
    this.settings = settings;
    this.clock = clock;
    this.limit = settings.minLimit();
  }

  /**
   * Admits a request or refuses it.
   *
   * @param remainingNanos how long the caller will wait for the answer, {@link Long#MAX_VALUE}
   *     for no deadline
   * @throws OverloadedException if refused; nothing has been done
   */
  public Ticket admit(long remainingNanos) {
    long now = clock.monotonicNanos();
    if (!settings.enabled()) {
      inFlight++;
      return new Ticket(now, true);
    }
    if (remainingNanos <= 0) {
      refused++;
      throw new OverloadedException(
          "n" + selfId + ": the request's deadline passed before the node could start it (it waited "
              + "in a queue); nothing was done", retryAfter());
    }
    if (inFlight >= (int) limit) {
      refused++;
      throw new OverloadedException(
          "n" + selfId + " is at its limit of " + (int) limit + " requests in flight; nothing was done, "
              + "retry after " + retryAfter().toMillis() + " ms or on another node", retryAfter());
    }
    if (underPressure() && recentNanos > 0 && remainingNanos < recentNanos) {
      refused++;
      throw new OverloadedException(
          "n" + selfId + ": " + remainingNanos / 1_000_000 + " ms left, but requests here take about "
              + (long) (recentNanos / 1_000_000) + " ms now; nothing was done", retryAfter());
    }
    boolean calm = inFlight < 0.75 * limit;
    inFlight++;
    return new Ticket(now, calm);
  }

  /** Gives back the request's slot and learns from how long it took. */
  public void release(Ticket ticket) {
    inFlight--;
    if (!settings.enabled()) {
      return;
    }
    long latency = Math.max(1, clock.monotonicNanos() - ticket.admittedNanos());
    recentNanos = recentNanos < 0 ? latency : recentNanos + RECENT_WEIGHT * (latency - recentNanos);
    if (usualNanos < 0) {
      usualNanos = latency;
    } else if (ticket.calm()) {
      usualNanos += USUAL_WEIGHT * (latency - usualNanos);
    }
    if (recentNanos > TOLERANCE * usualNanos + SLACK_NANOS) {
      limit = Math.max(settings.minLimit(), limit * (1 - DECREASE));
    } else if (inFlight + 1 >= limit / 2) {
      // Grow only while the limit is being used: an idle node learns nothing about its capacity.
      limit = Math.min(settings.maxInFlight(), limit + 1 / Math.sqrt(limit));
    }
  }

  /** Whether the node is using more than half its limit: background work waits until it is not. */
  public boolean underPressure() {
    return settings.enabled() && inFlight >= limit / 2;
  }

  /** A slot frees about every latency / limit; a few of those, at least a millisecond. */
  private Duration retryAfter() {
    double perSlot = recentNanos > 0 ? recentNanos / Math.max(1, limit) : 1_000_000;
    return Duration.ofNanos(Math.max(1_000_000, Math.min(1_000_000_000L, (long) (4 * perSlot))));
  }

  public int inFlight() {
    return inFlight;
  }

  public int limit() {
    return (int) limit;
  }

  /** Requests refused since the node started. */
  public long refused() {
    return refused;
  }

  public Settings settings() {
    return settings;
  }
}
