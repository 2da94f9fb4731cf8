package io.dialkv.client.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ThrottleTest {
  private long now = 5_000_000_000L;
  private final Throttle throttle = new Throttle(() -> now);

  @Test
  void aNodeThatAcceptsEverythingIsNeverThrottled() {
    for (int i = 0; i < 1000; i++) {
      throttle.record(true);
    }
    assertThat(throttle.rejectProbability()).isZero();
    assertThat(throttle.rejects(0.0)).isFalse();
  }

  @Test
  void refusalsBeyondKTimesTheAcceptedRateAreHeldBackInProportion() {
    for (int i = 0; i < 100; i++) {
      throttle.record(true);
    }
    for (int i = 0; i < 200; i++) {
      throttle.record(false);
    }
    // 300 requests, 100 accepted: the node gets about K times what it serves.
    assertThat(throttle.rejectProbability()).isCloseTo((300 - Throttle.K * 100) / 301, within(1e-9));
    assertThat(throttle.rejects(0.1)).isTrue();
    assertThat(throttle.rejects(0.9)).isFalse();
  }

  @Test
  void theMemoryIsTwoSecondsLong() {
    for (int i = 0; i < 500; i++) {
      throttle.record(false);
    }
    assertThat(throttle.rejectProbability()).isGreaterThan(0.99);
    now += 1_000_000_000L;
    assertThat(throttle.rejectProbability()).as("one second on, still remembered").isGreaterThan(0.99);
    now += 1_100_000_000L;
    assertThat(throttle.rejectProbability()).as("two seconds on, forgotten").isZero();
  }
}
