package io.dialkv.core.time;

/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014). Timestamps issued by one
 * node only grow, even if the wall clock steps back, and a node that hears of a later timestamp
 * moves past it, so a write that causally follows another gets a larger timestamp.
 *
 * <p>Not thread-safe: owned by one node's event loop.
 */
public final class HybridClock {
  private final Clock clock;
  private final int nodeId;
  private long physical;
  private int logical;

  public HybridClock(Clock clock, int nodeId) {
    this.clock = clock;
    this.nodeId = nodeId;
  }

  /** A timestamp greater than every one this clock issued or observed. */
  public Timestamp now() {
    long wall = clock.physicalMillis();
    if (wall > physical) {
      physical = wall;
      logical = 0;
    } else {
      logical++;
    }
    return new Timestamp(physical, logical, nodeId);
  }

  /** Takes note of a timestamp seen in a message, so that later local timestamps exceed it. */
  public void observe(Timestamp remote) {
    if (remote == null) {
      return;
    }
    long wall = clock.physicalMillis();
    long newPhysical = Math.max(wall, Math.max(physical, remote.physicalMillis()));
    if (newPhysical == physical && newPhysical == remote.physicalMillis()) {
      logical = Math.max(logical, remote.logical()) + 1;
    } else if (newPhysical == physical) {
      logical++;
    } else if (newPhysical == remote.physicalMillis()) {
      logical = remote.logical() + 1;
    } else {
      logical = 0;
    }
    physical = newPhysical;
  }

  /** The latest timestamp issued or observed, without advancing the clock. */
  public Timestamp latest() {
    return new Timestamp(physical, logical, nodeId);
  }
}
