package io.dialkv.core.time;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014). Timestamps issued by one
 * node only grow, even if the wall clock steps back, and a node that hears of a later timestamp
 * moves past it, so a write that causally follows another gets a larger timestamp.
 *
 * <p>Bounded, as CockroachDB's is: a timestamp more than the maximum offset ahead of this node's
 * wall clock is refused ({@link ClockOffsetException}) and never adopted. Without the bound one
 * message dated in the year 2100 would move every node's clock there, every write after it would
 * carry that date, and a cell written with it could never be overwritten. Refusals are counted
 * per sending peer and logged once per peer per minute. The logical counter never overflows: it
 * carries into the physical part instead.
 *
 * <p>Not thread-safe: owned by one node's event loop.
 */
public final class HybridClock {
  private static final Logger log = LoggerFactory.getLogger(HybridClock.class);
  /** CockroachDB's default, and enough for clocks kept by NTP. */
  public static final Duration DEFAULT_MAX_OFFSET = Duration.ofMillis(500);
  private static final long LOG_EVERY_NANOS = Duration.ofMinutes(1).toNanos();

  private final Clock clock;
  private final int nodeId;
  private final long maxOffsetMillis;
  private final Map<Integer, Long> refused = new TreeMap<>();
  private final Map<Integer, Long> lastLoggedNanos = new TreeMap<>();
  private long physical;
  private int logical;

  public HybridClock(Clock clock, int nodeId) {
    this(clock, nodeId, DEFAULT_MAX_OFFSET);
  }

  /** @param maxOffset how far ahead of the wall clock a timestamp this clock accepts may be */
  public HybridClock(Clock clock, int nodeId, Duration maxOffset) {
    if (maxOffset.isNegative() || maxOffset.isZero()) {
      throw new IllegalArgumentException("the maximum clock offset must be positive");
    }
    this.clock = clock;
    this.nodeId = nodeId;
    this.maxOffsetMillis = maxOffset.toMillis();
  }

  /** A timestamp greater than every one this clock issued or observed. */
  public Timestamp now() {
    long wall = clock.physicalMillis();
    if (wall > physical) {
      physical = wall;
      logical = 0;
    } else if (logical == Integer.MAX_VALUE) {
      physical++;
      logical = 0;
    } else {
      logical++;
    }
    return new Timestamp(physical, logical, nodeId);
  }

  /**
   * Takes note of a timestamp seen in a message from {@code from}, so that later local timestamps
   * exceed it.
   *
   * @throws ClockOffsetException if it is further ahead of the wall clock than the maximum offset
   */
  public void observe(Timestamp remote, int from) {
    if (!tryObserve(remote, from)) {
      throw new ClockOffsetException(describe(remote, from));
    }
  }

  /**
   * As {@link #observe}, but a timestamp beyond the bound is only counted and ignored: for what a
   * node reads back (replies), where refusing would fail a request that did nothing wrong.
   *
   * @return whether the timestamp was within the bound (and observed)
   */
  public boolean tryObserve(Timestamp remote, int from) {
    if (remote == null) {
      return true;
    }
    long wall = clock.physicalMillis();
    if (remote.physicalMillis() - wall > maxOffsetMillis) {
      refuse(remote, from);
      return false;
    }
    long newPhysical = Math.max(wall, Math.max(physical, remote.physicalMillis()));
    long newLogical;
    if (newPhysical == physical && newPhysical == remote.physicalMillis()) {
      newLogical = (long) Math.max(logical, remote.logical()) + 1;
    } else if (newPhysical == physical) {
      newLogical = (long) logical + 1;
    } else if (newPhysical == remote.physicalMillis()) {
      newLogical = (long) remote.logical() + 1;
    } else {
      newLogical = 0;
    }
    if (newLogical > Integer.MAX_VALUE) {
      newPhysical++;
      newLogical = 0;
    }
    physical = newPhysical;
    logical = (int) newLogical;
    return true;
  }

  /** Whether the timestamp is within the bound, without observing it. */
  public boolean withinBound(Timestamp t) {
    return t == null || t.physicalMillis() - clock.physicalMillis() <= maxOffsetMillis;
  }

  private void refuse(Timestamp remote, int from) {
    refused.merge(from, 1L, Long::sum);
    long now = clock.monotonicNanos();
    Long last = lastLoggedNanos.get(from);
    if (last == null || now - last >= LOG_EVERY_NANOS) {
      lastLoggedNanos.put(from, now);
      log.warn("n{}: refused {} ({} refused from n{} so far; logged once a minute)", nodeId, describe(remote, from),
          refused.get(from), from);
    }
  }

  private String describe(Timestamp remote, int from) {
    long ahead = remote.physicalMillis() - clock.physicalMillis();
    return "a timestamp from n" + from + " " + (ahead > 86_400_000L * 365 ? "more than a year" : ahead + " ms")
        + " ahead of n" + nodeId + "'s clock (" + remote + "); the maximum clock offset is " + maxOffsetMillis
        + " ms: check the clocks (NTP) of both nodes";
  }

  /** How many timestamps beyond the bound each peer sent, by node id. */
  public Map<Integer, Long> refusedByPeer() {
    return Map.copyOf(refused);
  }

  /** The maximum offset, in milliseconds. */
  public long maxOffsetMillis() {
    return maxOffsetMillis;
  }

  /** The latest timestamp issued or observed, without advancing the clock. */
  public Timestamp latest() {
    return new Timestamp(physical, logical, nodeId);
  }
}
