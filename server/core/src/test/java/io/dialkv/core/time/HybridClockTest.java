package io.dialkv.core.time;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class HybridClockTest {
  /** A wall clock the test sets by hand. */
  static final class ManualClock implements Clock {
    long millis;

    @Override
    public long physicalMillis() {
      return millis;
    }

    @Override
    public long monotonicNanos() {
      return millis * 1_000_000;
    }
  }

  @Test
  void timestampsGrowEvenWhenTheWallClockStepsBack() {
    ManualClock wall = new ManualClock();
    wall.millis = 1_000;
    HybridClock hlc = new HybridClock(wall, 1);
    Timestamp a = hlc.now();
    Timestamp b = hlc.now();
    wall.millis = 500; // NTP stepped the clock back
    Timestamp c = hlc.now();

    assertThat(b).isGreaterThan(a);
    assertThat(c).isGreaterThan(b);
    assertThat(c.physicalMillis()).isEqualTo(1_000);
    assertThat(c.logical()).isEqualTo(2);
  }

  @Test
  void observingALaterTimestampMovesPastIt() {
    ManualClock wall = new ManualClock();
    wall.millis = 1_000;
    HybridClock slow = new HybridClock(wall, 2, Duration.ofSeconds(10));
    Timestamp fromTheFuture = new Timestamp(5_000, 7, 1);

    slow.observe(fromTheFuture, 1);
    Timestamp next = slow.now();

    assertThat(next).isGreaterThan(fromTheFuture);
    assertThat(next.physicalMillis()).isEqualTo(5_000);
    assertThat(next.nodeId()).isEqualTo(2);
  }

  @Test
  void physicalTimeWinsOnceTheWallClockCatchesUp() {
    ManualClock wall = new ManualClock();
    wall.millis = 1_000;
    HybridClock hlc = new HybridClock(wall, 1);
    hlc.observe(new Timestamp(1_400, 3, 2), 2);
    wall.millis = 2_000;

    assertThat(hlc.now()).isEqualTo(new Timestamp(2_000, 0, 1));
  }

  @Test
  void nodeIdBreaksTiesSoTwoNodesNeverIssueEqualTimestamps() {
    Timestamp fromOne = new Timestamp(1_000, 0, 1);
    Timestamp fromTwo = new Timestamp(1_000, 0, 2);

    assertThat(fromOne).isNotEqualTo(fromTwo);
    assertThat(fromOne.compareTo(fromTwo)).isNegative();
  }

  @Test
  void aTimestampBeyondTheMaximumOffsetIsRefusedAndNeverAdopted() {
    ManualClock wall = new ManualClock();
    wall.millis = 1_000;
    HybridClock hlc = new HybridClock(wall, 1); // 500 ms, the default
    Timestamp year2100 = new Timestamp(4_102_444_800_000L, 0, 2);

    assertThatThrownBy(() -> hlc.observe(year2100, 2))
        .isInstanceOf(ClockOffsetException.class)
        .hasMessageContaining("from n2 more than a year ahead of n1's clock")
        .hasMessageContaining("the maximum clock offset is 500 ms");
    assertThat(hlc.tryObserve(new Timestamp(Long.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE), 3)).isFalse();
    assertThat(hlc.now()).isEqualTo(new Timestamp(1_000, 0, 1));
    assertThat(hlc.refusedByPeer()).containsEntry(2, 1L).containsEntry(3, 1L);

    hlc.observe(new Timestamp(1_500, 0, 2), 2); // exactly at the bound: accepted
    assertThat(hlc.now().physicalMillis()).isEqualTo(1_500);
  }

  @Test
  void theLogicalCounterCarriesIntoThePhysicalPartInsteadOfOverflowing() {
    ManualClock wall = new ManualClock();
    wall.millis = 1_000;
    HybridClock hlc = new HybridClock(wall, 1);
    hlc.observe(new Timestamp(1_000, Integer.MAX_VALUE, 2), 2);
    Timestamp next = hlc.now();

    assertThat(next.logical()).isNotNegative();
    assertThat(next).isGreaterThan(new Timestamp(1_000, Integer.MAX_VALUE, 2));
    assertThat(next.physicalMillis()).isEqualTo(1_001);
  }
}
