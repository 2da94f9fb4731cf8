package io.dialkv.cli.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RateScheduleTest {
  @Test
  void aScheduleOfPhasesDueTimesFollowEachPhasesRate() {
    RateSchedule s = RateSchedule.parse("2000:30s,8000:30s,2000:30s", Duration.ofSeconds(5));
    assertThat(s.operations()).isEqualTo(60_000 + 240_000 + 60_000);
    assertThat(s.totalDuration()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.dueNanos(0)).isZero();
    assertThat(s.dueNanos(1)).isEqualTo(500_000); // 2000/s: every 0.5 ms
    assertThat(s.dueNanos(60_000)).isEqualTo(30_000_000_000L); // the second phase starts at 30 s
    assertThat(s.dueNanos(60_008)).isEqualTo(30_001_000_000L); // 8000/s: every 0.125 ms
    assertThat(s.dueNanos(300_000)).isEqualTo(60_000_000_000L);
    assertThat(s.toString()).isEqualTo("2000:30s,8000:30s,2000:30s");
  }

  @Test
  void aBareRateLastsTheDefaultDuration() {
    RateSchedule s = RateSchedule.parse("250", Duration.ofMillis(1500));
    assertThat(s.operations()).isEqualTo(375);
    assertThat(s.totalDuration()).isEqualTo(Duration.ofMillis(1500));
  }

  @Test
  void nonsenseIsRefusedSayingWhatIsExpected() {
    assertThatThrownBy(() -> RateSchedule.parse("fast", Duration.ofSeconds(1)))
        .hasMessageContaining("rate 'fast' is not OPS_PER_S or OPS_PER_S:DURATION");
    assertThatThrownBy(() -> RateSchedule.parse("0:10s", Duration.ofSeconds(1))).hasMessageContaining("must be above 0");
    assertThatThrownBy(() -> RateSchedule.parse("5000000", Duration.ofSeconds(1))).hasMessageContaining("at most 1000000");
    assertThatThrownBy(() -> RateSchedule.parse("10:0s", Duration.ofSeconds(1))).hasMessageContaining("must be above 0 and at most 24 h");
    assertThatThrownBy(() -> RateSchedule.parse("10:20h,10:20h", Duration.ofSeconds(1))).hasMessageContaining("at most 24 h");
    assertThatThrownBy(() -> RateSchedule.parse("10:5x", Duration.ofSeconds(1))).hasMessageContaining("is not OPS_PER_S");
  }
}
