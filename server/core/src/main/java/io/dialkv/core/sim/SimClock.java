package io.dialkv.core.sim;

import io.dialkv.core.time.Clock;
import java.time.Duration;

/**
 * Virtual time as one node's clocks show it, with the faults real clocks have:
 *
 * <ul>
 *   <li>a skew of the wall clock (a step, as an NTP correction or an operator makes it, forward
 *       or back);
 *   <li>drift: both clocks run fast or slow by a rate, since both count the same oscillator. The
 *       monotonic clock keeps what drift gave it (it never steps back); {@link #resetWall} puts
 *       the wall clock back on true time, as a resynchronisation does.
 * </ul>
 */
public final class SimClock implements Clock {
  private final SimWorld world;
  private long skewMillis;
  private double driftRate;
  private long driftSinceNanos;
  private long driftedNanos;
  private long wallCorrectionNanos;

  SimClock(SimWorld world) {
    this.world = world;
  }

  @Override
  public long physicalMillis() {
    return SimWorld.EPOCH_MILLIS + (world.nowNanos() + drifted() - wallCorrectionNanos) / 1_000_000 + skewMillis;
  }

  @Override
  public long monotonicNanos() {
    return world.nowNanos() + drifted();
  }

  /** What drift has added to this node's clocks so far (negative when slow). */
  private long drifted() {
    return driftedNanos + (long) (driftRate * (world.nowNanos() - driftSinceNanos));
  }

  /** Shifts this node's wall clock (not its monotonic clock) to {@code skew} from true time. */
  public void skew(Duration skew) {
    this.skewMillis = skew.toMillis();
  }

  /**
   * From now on both clocks run at {@code 1 + rate} times true time (0 stops drifting). A rate of
   * -1 or less would stop or reverse the monotonic clock.
   */
  public void drift(double rate) {
    if (!(rate > -1) || rate > 1) {
      throw new IllegalArgumentException("drift rate " + rate + " must be in (-1, 1]");
    }
    driftedNanos = drifted();
    driftSinceNanos = world.nowNanos();
    driftRate = rate;
  }

  /** Stops drifting and steps the wall clock back onto true time, skew removed. */
  public void resetWall() {
    drift(0);
    wallCorrectionNanos = driftedNanos;
    skewMillis = 0;
  }
}
