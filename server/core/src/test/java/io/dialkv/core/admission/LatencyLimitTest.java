package io.dialkv.core.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LatencyLimitTest {
  private static final long MS = 1_000_000;
  private long now = 1_000 * MS;

  /** Requests one after another, each taking {@code millis}, for {@code count} of them. */
  private void serial(LatencyLimit limit, int count, long millis) {
    for (int i = 0; i < count; i++) {
      boolean calm = limit.calm(0);
      now += millis * MS;
      limit.learn(millis * MS, calm, 0, now);
    }
  }

  @Test
  void aStandingQueueIsQueueingAndTheLimitThenBinds() {
    LatencyLimit limit = new LatencyLimit(8, 1024);
    serial(limit, 200, 2);
    assertThat(limit.queueing()).isFalse();
    assertThat(limit.allows(15)).as("fast requests: twice the learned limit may be in flight").isTrue();
    assertThat(limit.allows(16)).isFalse();

    serial(limit, 40, 30); // every request waits: 30 ms where 2 ms is usual
    assertThat(limit.queueing()).isTrue();
    assertThat(limit.allows(limit.limit() - 1)).isTrue();
    assertThat(limit.allows(limit.limit())).isFalse();
  }

  @Test
  void eachQueueingIntervalCutsTheLimitByHowFarTheFastestRequestIsOverTheThreshold() {
    LatencyLimit limit = new LatencyLimit(8, 1024);
    // Busy and fast: the limit grows.
    for (int i = 0; i < 20_000; i++) {
      now += MS / 10;
      limit.learn(2 * MS, limit.calm(limit.limit() / 2), limit.limit(), now);
    }
    int grown = limit.limit();
    assertThat(grown).isGreaterThan(200);
    // One interval in which even the fastest took 4 ms against a threshold of 3 (2 ms usual + 1):
    // a shallow queue, a cut of 3/4.
    for (int i = 0; i < 260; i++) {
      now += MS;
      limit.learn(4 * MS, false, grown, now);
    }
    // (It grew a little more in the interval of the change, whose fastest request was still fast.)
    assertThat(limit.limit()).isBetween((int) (grown * 3.0 / 4) - 2, (int) (grown * 3.0 / 4) + 10);
    // Then a deep one, 100 ms each for 1.2 s (four or five intervals): halved, no more, per interval.
    int before = limit.limit();
    for (int i = 0; i < 12; i++) {
      now += 100 * MS;
      limit.learn(100 * MS, false, grown, now);
    }
    assertThat(limit.limit()).isGreaterThanOrEqualTo(before / 32 - 1).isLessThanOrEqualTo(before / 8 + 1);
  }

  @Test
  void aBlipWithFastRequestsBesideTheSlowOnesIsNotQueueing() {
    LatencyLimit limit = new LatencyLimit(8, 1024);
    serial(limit, 200, 2);
    // Half a second in which most requests take 150 ms (a peer's connection broke under them)
    // but some still take 2 ms: the recent average soars, the fastest stays fast.
    for (int i = 0; i < 100; i++) {
      long latency = (i % 5 == 0 ? 2 : 150) * MS;
      now += 5 * MS;
      limit.learn(latency, false, 40, now);
    }
    assertThat(limit.recentNanos()).isGreaterThan(50 * MS);
    assertThat(limit.queueing()).isFalse();
    assertThat(limit.allows(2 * limit.limit() - 1)).isTrue();
  }

  @Test
  void aQuietGapForgetsTheLastIntervalInsteadOfJudgingByIt() {
    LatencyLimit limit = new LatencyLimit(8, 1024);
    serial(limit, 200, 2);
    serial(limit, 40, 30);
    assertThat(limit.queueing()).isTrue();
    now += 10_000 * MS; // ten quiet seconds
    limit.learn(2 * MS, true, 0, now);
    assertThat(limit.queueing()).as("one request after a long gap: no interval to judge by").isFalse();
  }

  @Test
  void theMaximumBindsWhateverLatencySays() {
    LatencyLimit limit = new LatencyLimit(16, 16);
    assertThat(limit.allows(15)).isTrue();
    assertThat(limit.allows(16)).as("twice the limit would be 32").isFalse();
  }

  @Test
  void limitsOutOfOrderAreRefused() {
    assertThatThrownBy(() -> new LatencyLimit(0, 4)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LatencyLimit(8, 4))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minimum (8) <= maximum in flight (4)");
  }
}
