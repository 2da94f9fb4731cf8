package io.dialkv.cli.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The open-loop sender on a simulated clock: time moves only when the test says so. */
class OpenLoopTest {
  private static final long MS = 1_000_000;

  private static final class FakeTicker implements OpenLoop.Ticker {
    long now;

    @Override
    public long nanoTime() {
      return now;
    }

    @Override
    public void sleepUntil(long nanos) {
      now = Math.max(now, nanos);
    }
  }

  private final FakeTicker ticker = new FakeTicker();

  @Test
  void latencyCountsFromWhenEachRequestWasDueSoAStallIsSeenByEveryRequestBehindIt() throws Exception {
    RateSchedule schedule = RateSchedule.parse("100:1s", Duration.ofSeconds(1)); // one every 10 ms
    OpenLoop loop = new OpenLoop(schedule, ticker, Throwable::toString, 1000);
    OpenLoop.Result result = loop.run(i -> {
      if (i == 5) {
        ticker.now += 100 * MS; // the sender is held up for 100 ms while sending request 5
      }
      return CompletableFuture.completedFuture(null);
    }, MS);

    OpenLoop.Second second = result.seconds().get(0);
    assertThat(second.due()).isEqualTo(100);
    assertThat(second.ok()).isEqualTo(100);
    // Request 5, due at 50 ms, answered at 150 ms; 6..14, due at 60..140 ms, could only go at 150.
    assertThat(second.okLatency.getMaxValue()).isBetween(99 * MS, 101 * MS);
    assertThat(second.okLatency.getCountBetweenValues(9 * MS, 200 * MS)).isEqualTo(10);
    assertThat(second.okLatency.getCountAtValue(0)).isEqualTo(90);
    // A closed loop timing each request from when it was sent would have seen one slow request.
    // The sender's own lateness is kept apart: 6..14 went 90..10 ms late, the rest on time.
    assertThat(second.sendLagNanos(100)).isBetween(89 * MS, 91 * MS);
    assertThat(second.sendLag.getCountAtValue(0)).isEqualTo(91);
    assertThat(result.total().sendLagNanos(99)).isBetween(79 * MS, 91 * MS);
  }

  @Test
  void eachSecondCountsItsOwnRequestsGoodputAndErrorsByKind() throws Exception {
    RateSchedule schedule = RateSchedule.parse("10:1s,20:1s", Duration.ofSeconds(1));
    OpenLoop loop = new OpenLoop(schedule, ticker, e -> e.getMessage(), 1000);
    OpenLoop.Result result = loop.run(i -> i % 4 == 0
        ? CompletableFuture.failedFuture(new IllegalStateException("OVERLOADED"))
        : CompletableFuture.completedFuture(null), MS);

    assertThat(result.seconds()).hasSize(2);
    assertThat(result.seconds().get(0).due()).isEqualTo(10);
    assertThat(result.seconds().get(0).errors()).containsEntry("OVERLOADED", 3L); // 0, 4, 8
    assertThat(result.seconds().get(0).ok()).isEqualTo(7);
    assertThat(result.seconds().get(1).due()).isEqualTo(20);
    assertThat(result.seconds().get(1).errors()).containsEntry("OVERLOADED", 5L); // 12, 16, ..., 28
    assertThat(result.total().ok()).isEqualTo(22);
    assertThat(result.total().failed()).isEqualTo(8);
    assertThat(ticker.now).as("the last request is due at 1.95 s").isEqualTo(1_950 * MS);
  }

  @Test
  void requestsBeyondTheOutstandingLimitAreNotSentAndUnansweredOnesAreCounted() throws Exception {
    RateSchedule schedule = RateSchedule.parse("10:1s", Duration.ofSeconds(1));
    OpenLoop loop = new OpenLoop(schedule, ticker, Throwable::toString, 4);
    int[] sent = {0};
    OpenLoop.Result result = loop.run(i -> {
      sent[0]++;
      return new CompletableFuture<>(); // a cluster that never answers
    }, 10 * MS);

    assertThat(sent[0]).isEqualTo(4);
    assertThat(result.total().errors()).containsEntry("CLIENT_BACKLOG", 6L).containsEntry("NO_ANSWER", 4L);
    assertThat(result.maxOutstanding()).isEqualTo(5);
  }
}
