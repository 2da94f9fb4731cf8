package io.dialkv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PhiAccrualFailureDetectorTest {
  private static final long MS = 1_000_000;
  private final PhiAccrualFailureDetector detector = new PhiAccrualFailureDetector(8, 250, 125, 1000);

  @Test
  void aNodeNeverHeardFromIsDown() {
    assertThat(detector.isAlive(2, 0)).isFalse();
  }

  @Test
  void regularHeartbeatsKeepANodeUpAndSilenceTakesItDown() {
    long now = 0;
    for (int i = 0; i < 20; i++) {
      now += 250 * MS;
      detector.heartbeat(2, now);
    }
    assertThat(detector.isAlive(2, now + 250 * MS)).isTrue();
    // A GC pause of a second is tolerated.
    assertThat(detector.isAlive(2, now + 1_000 * MS)).isTrue();
    // Three seconds of silence is not.
    assertThat(detector.isAlive(2, now + 3_000 * MS)).isFalse();
    assertThat(detector.phi(2, now + 3_000 * MS)).isGreaterThan(detector.phi(2, now + 1_000 * MS));
  }

  @Test
  void aNodeComesBackWithItsNextHeartbeat() {
    detector.heartbeat(2, 0);
    assertThat(detector.isAlive(2, 10_000 * MS)).isFalse();
    detector.heartbeat(2, 10_000 * MS);
    assertThat(detector.isAlive(2, 10_100 * MS)).isTrue();
  }
}
