package io.dialkv.node;

import io.dialkv.core.time.Clock;

/** The machine's clocks. The wall clock can be skewed to inject clock faults. */
public final class SystemClock implements Clock {
  private volatile long skewMillis;

  @Override
  public long physicalMillis() {
    return System.currentTimeMillis() + skewMillis;
  }

  @Override
  public long monotonicNanos() {
    return System.nanoTime();
  }

  /** Shifts the wall clock by the given number of milliseconds (0 removes the skew). */
  public void setSkewMillis(long skewMillis) {
    this.skewMillis = skewMillis;
  }
}
