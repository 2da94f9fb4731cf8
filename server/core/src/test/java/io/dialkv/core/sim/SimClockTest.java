package io.dialkv.core.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A simulated node's clocks: skew steps the wall clock only, drift bends both, never backwards. */
class SimClockTest {
  private final SimWorld world = new SimWorld(1);
  private final SimClock clock = new SimClock(world);

  @Test
  void skewStepsTheWallClockOnlyEitherWay() {
    world.runFor(Duration.ofMillis(100));
    long wall = clock.physicalMillis();
    long mono = clock.monotonicNanos();
    clock.skew(Duration.ofMillis(-300));
    assertThat(clock.physicalMillis()).isEqualTo(wall - 300);
    assertThat(clock.monotonicNanos()).isEqualTo(mono);
    clock.skew(Duration.ofMillis(200));
    assertThat(clock.physicalMillis()).isEqualTo(wall + 200);
  }

  @Test
  void driftRunsBothClocksFastOrSlowAndResynchronisingStepsOnlyTheWallClockBack() {
    clock.drift(0.10);
    world.runFor(Duration.ofSeconds(1));
    assertThat(clock.monotonicNanos()).isEqualTo(1_100_000_000L);
    assertThat(clock.physicalMillis()).isEqualTo(SimWorld.EPOCH_MILLIS + 1_100);
    clock.drift(-0.5);
    world.runFor(Duration.ofSeconds(1));
    assertThat(clock.monotonicNanos()).isEqualTo(1_600_000_000L);
    long before = clock.monotonicNanos();
    clock.resetWall();
    assertThat(clock.physicalMillis()).isEqualTo(SimWorld.EPOCH_MILLIS + 2_000);
    assertThat(clock.monotonicNanos()).isEqualTo(before); // the monotonic clock keeps its lead
    world.runFor(Duration.ofSeconds(1));
    assertThat(clock.monotonicNanos()).isEqualTo(before + 1_000_000_000L);
    assertThat(clock.physicalMillis()).isEqualTo(SimWorld.EPOCH_MILLIS + 3_000);
  }

  @Test
  void aRateThatWouldStopTheMonotonicClockIsRefused() {
    assertThatThrownBy(() -> clock.drift(-1)).hasMessageContaining("(-1, 1]");
    assertThatThrownBy(() -> clock.drift(Double.NaN)).hasMessageContaining("(-1, 1]");
  }
}
