package io.dialkv.core.admission;

import io.dialkv.core.time.Clock;

/**
 * Bounds the client requests a node coordinates at once, so that an influx is refused at the door
 * instead of queueing without bound until every request misses its deadline.
 *
 * <p>The bound is a {@link LatencyLimit}: it adapts to the machine (a node on a small CPU quota
 * settles on a small limit and a big machine on a big one, with no tuning), and it binds only while
 * latency shows queueing. It never leaves {@code [minLimit, maxInFlight]}.
 *
 * <p>A request is refused, with nothing done, when the node is at its limit while queueing (or at
 * {@code maxInFlight}), when its deadline has already passed (it waited in a socket buffer or a
 * queue for too long), or when the node is under pressure and the time left is shorter than
 * requests take here now. Replica work from peers is never refused here: it belongs to a request
 * some coordinator admitted, and dropping it could only turn an acknowledged write into a hint.
 * Each admitted request sends at most one message per replica, so the coordinators' limits also
 * bound the replica work queued on any node.
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

  private final Settings settings;
  private final int selfId;
  private final Clock clock;
  private final LatencyLimit limit;
  private int inFlight;
  private long refused;

  public AdmissionControl(int selfId, Settings settings, Clock clock) {
    this.selfId = selfId;
    this.settings = settings;
    this.clock = clock;
    this.limit = new LatencyLimit(settings.minLimit(), settings.maxInFlight());
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
              + "in a queue); nothing was done", limit.retryAfter());
    }
    if (!limit.allows(inFlight)) {
      refused++;
      String why = inFlight >= settings.maxInFlight() ? " (its maximum)"
          : ", and they wait in its queue (they take " + limit.recentNanos() / 1_000_000 + " ms now)";
      throw new OverloadedException(
          "n" + selfId + " is at its limit of " + inFlight + " requests in flight" + why + "; nothing was done, "
              + "retry after " + limit.retryAfter().toMillis() + " ms or on another node",
          limit.retryAfter());
    }
    long recent = limit.recentNanos();
    if (underPressure() && recent > 0 && remainingNanos < recent) {
      refused++;
      throw new OverloadedException(
          "n" + selfId + ": " + remainingNanos / 1_000_000 + " ms left, but requests here take about "
              + recent / 1_000_000 + " ms now; nothing was done", limit.retryAfter());
    }
    boolean calm = limit.calm(inFlight);
    inFlight++;
    return new Ticket(now, calm);
  }

  /** Gives back the request's slot and learns from how long it took. */
  public void release(Ticket ticket) {
    inFlight--;
    if (!settings.enabled()) {
      return;
    }
    long now = clock.monotonicNanos();
    limit.learn(now - ticket.admittedNanos(), ticket.calm(), inFlight, now);
  }

  /** Whether the node is using more than half its limit: background work waits until it is not. */
  public boolean underPressure() {
    return settings.enabled() && limit.underPressure(inFlight);
  }

  public int inFlight() {
    return inFlight;
  }

  public int limit() {
    return limit.limit();
  }

  /** Requests refused since the node started. */
  public long refused() {
    return refused;
  }

  public Settings settings() {
    return settings;
  }
}
