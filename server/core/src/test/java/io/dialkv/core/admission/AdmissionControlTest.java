package io.dialkv.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdmissionControlTest {
  private static final long MS = 1_000_000;

  /** A clock that moves only when told. */
  private static final class ManualClock implements Clock {
    long nanos = 1_000 * MS;

    @Override
    public long physicalMillis() {
      return nanos / MS;
    }

    @Override
    public long monotonicNanos() {
      return nanos;
    }
  }

  private final ManualClock clock = new ManualClock();

  @Test
  void aNodeAtItsLimitRefusesAtOnceSayingWhenToRetry() {
    AdmissionControl admission = new AdmissionControl(1, new AdmissionControl.Settings(true, 4, 4), clock);
    List<AdmissionControl.Ticket> held = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      held.add(admission.admit(Long.MAX_VALUE));
    }
    assertThatThrownBy(() -> admission.admit(Long.MAX_VALUE))
        .isInstanceOf(OverloadedException.class)
        .hasMessageContaining("n1 is at its limit of 4 requests in flight (its maximum); nothing was done")
        .satisfies(e -> assertThat(((OverloadedException) e).retryAfter().toMillis()).isPositive());
    assertThat(admission.refused()).isEqualTo(1);

    clock.nanos += MS;
    admission.release(held.remove(0));
    assertThat(admission.admit(Long.MAX_VALUE)).isNotNull();
    assertThat(admission.inFlight()).isEqualTo(4);
  }

  @Test
  void aBurstGetsTwiceTheLearnedLimitWhileRequestsAreFastAndOnlyTheLimitWhileTheyQueue() {
    AdmissionControl admission = new AdmissionControl(1, new AdmissionControl.Settings(true, 1024, 32), clock);
    for (int i = 0; i < 100; i++) { // light traffic, 2 ms each: the limit stays at its floor
      AdmissionControl.Ticket t = admission.admit(Long.MAX_VALUE);
      clock.nanos += 2 * MS;
      admission.release(t);
    }
    assertThat(admission.limit()).isEqualTo(32);

    // A burst of 60 (a client failing over from a dead node) while requests are fast: all admitted.
    List<AdmissionControl.Ticket> burst = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      burst.add(admission.admit(Long.MAX_VALUE));
    }
    assertThat(admission.refused()).isZero();
    clock.nanos += 2 * MS;
    burst.forEach(admission::release);

    // Now requests queue: 40 ms where 2 ms is usual. Past the limit, the node refuses.
    for (int i = 0; i < 60; i++) {
      AdmissionControl.Ticket t = admission.admit(Long.MAX_VALUE);
      clock.nanos += 40 * MS;
      admission.release(t);
    }
    List<AdmissionControl.Ticket> slow = new ArrayList<>();
    for (int i = 0; i < admission.limit(); i++) {
      slow.add(admission.admit(Long.MAX_VALUE));
    }
    assertThatThrownBy(() -> admission.admit(Long.MAX_VALUE))
        .isInstanceOf(OverloadedException.class)
        .hasMessageContaining("n1 is at its limit of 32 requests in flight, and they wait in its queue (they take ");
  }

  @Test
  void aRequestWhoseDeadlinePassedWhileQueuedIsRefused() {
    AdmissionControl admission = new AdmissionControl(2, AdmissionControl.Settings.defaults(), clock);
    assertThatThrownBy(() -> admission.admit(0))
        .isInstanceOf(OverloadedException.class)
        .hasMessageContaining("deadline passed before the node could start it");
    assertThatThrownBy(() -> admission.admit(-5 * MS)).isInstanceOf(OverloadedException.class);
    assertThat(admission.inFlight()).isZero();
  }

  @Test
  void underPressureATooShortDeadlineIsRefusedButNotWhenIdle() {
    AdmissionControl admission = new AdmissionControl(1, new AdmissionControl.Settings(true, 8, 8), clock);
    // Requests take 10 ms here.
    for (int i = 0; i < 20; i++) {
      AdmissionControl.Ticket t = admission.admit(Long.MAX_VALUE);
      clock.nanos += 10 * MS;
      admission.release(t);
    }
    assertThat(admission.admit(2 * MS)).as("idle: a short deadline is the caller's business").isNotNull();
    for (int i = 0; i < 4; i++) {
      admission.admit(Long.MAX_VALUE);
    }
    assertThat(admission.underPressure()).isTrue();
    assertThatThrownBy(() -> admission.admit(2 * MS))
        .isInstanceOf(OverloadedException.class)
        .hasMessageContaining("2 ms left, but requests here take about 10 ms now");
    assertThat(admission.admit(50 * MS)).isNotNull();
  }

  @Test
  void theLimitGrowsWhileRequestsStayFastAndShrinksWhenTheyQueue() {
    AdmissionControl admission = new AdmissionControl(1, new AdmissionControl.Settings(true, 256, 8), clock);
    // Fast and busy: the limit grows towards the maximum.
    for (int round = 0; round < 400; round++) {
      List<AdmissionControl.Ticket> batch = new ArrayList<>();
      for (int i = 0; i < admission.limit(); i++) {
        batch.add(admission.admit(Long.MAX_VALUE));
      }
      clock.nanos += MS;
      batch.forEach(admission::release);
    }
    int grown = admission.limit();
    assertThat(grown).isGreaterThan(40);

    // Latency ten times the unloaded figure: queueing; the limit falls back, not below the minimum.
    for (int round = 0; round < 200; round++) {
      AdmissionControl.Ticket t = admission.admit(Long.MAX_VALUE);
      clock.nanos += 20 * MS;
      admission.release(t);
    }
    assertThat(admission.limit()).isLessThan(grown / 4).isGreaterThanOrEqualTo(8);
  }

  @Test
  void aLongSurgeDoesNotTeachTheNodeThatQueueingIsNormal() {
    AdmissionControl admission = new AdmissionControl(1, new AdmissionControl.Settings(true, 256, 8), clock);
    for (int i = 0; i < 200; i++) { // calm: one at a time, 5 ms each
      AdmissionControl.Ticket t = admission.admit(Long.MAX_VALUE);
      clock.nanos += 5 * MS;
      admission.release(t);
    }
    // A surge: the node full all the time, every request taking 40 ms, for 5,000 requests.
    List<AdmissionControl.Ticket> held = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      while (held.size() < admission.limit()) {
        held.add(admission.admit(Long.MAX_VALUE));
      }
      clock.nanos += 40 * MS / admission.limit();
      admission.release(held.remove(0));
    }
    assertThat(admission.limit()).as("still held at the floor").isEqualTo(8);
  }

  @Test
  void switchedOffItAdmitsEverything() {
    AdmissionControl admission = new AdmissionControl(1, AdmissionControl.Settings.off(), clock);
    for (int i = 0; i < 5_000; i++) {
      admission.admit(0);
    }
    assertThat(admission.inFlight()).isEqualTo(5_000);
    assertThat(admission.refused()).isZero();
    assertThat(admission.underPressure()).isFalse();
  }

  @Test
  void settingsOutOfOrderAreRefused() {
    assertThatThrownBy(() -> new AdmissionControl.Settings(true, 4, 8))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minimum (8) <= maximum in flight (4)");
  }
}
