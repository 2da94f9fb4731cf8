package io.dialkv.core.time;

/**
 * The core's only source of time. Production reads the system clock (optionally skewed for fault
 * injection); simulations read virtual time, so a whole cluster replays exactly from a seed.
 *
 * <p>Implementations are thread-safe and never block.
 */
public interface Clock {

  /** Wall-clock milliseconds since the epoch; may jump (NTP, skew) and is only used for HLCs. */
  long physicalMillis();

  /** Monotonic nanoseconds from an arbitrary origin; for measuring intervals and timeouts. */
  long monotonicNanos();
}
