package io.dialkv.core.sim;

import io.dialkv.core.time.Clock;
import java.time.Duration;

/** Virtual time, with an optional per-node skew of the wall clock for clock-skew faults. */
public final class SimClock implements Clock {
  private final SimWorld world;
  private long skewMillis;

  SimClock(SimWorld world) {
    this.world = world;
  }

  @Override
  public long physicalMillis() {
    return SimWorld.EPOCH_MILLIS + world.nowNanos() / 1_000_000 + skewMillis;
  }

  @Override
  public long monotonicNanos() {
    return world.nowNanos();
  }

  /** Shifts this node's wall clock (not its monotonic clock) by the given amount. */
  public void skew(Duration skew) {
    this.skewMillis = skew.toMillis();
  }
}
