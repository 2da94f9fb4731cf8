package io.dialkv.cli.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ClosedLoopTest {
  private static final ClosedLoop LOOP = new ClosedLoop(e -> e.getClass().getSimpleName(),
      e -> e instanceof IllegalStateException);

  @Test
  void keepsExactlyTheConcurrencyInFlightAndRunsEveryRequestOnce() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicInteger started = new AtomicInteger();
    ClosedLoop.Result result = LOOP.run(n -> {
      started.incrementAndGet();
      most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      return CompletableFuture.runAsync(inFlight::decrementAndGet,
          CompletableFuture.delayedExecutor(1, TimeUnit.MILLISECONDS));
    }, 500, 8, null);
    assertThat(started.get()).isEqualTo(500);
    assertThat(result.done()).isEqualTo(500);
    assertThat(result.failed()).isZero();
    assertThat(most.get()).isEqualTo(8);
    assertThat(result.opsPerSecond()).isPositive();
  }

  @Test
  void countsFailuresByKindAndNotAsSuccesses() throws Exception {
    ClosedLoop.Result result = LOOP.run(n -> n % 4 == 0
        ? CompletableFuture.failedFuture(new IllegalArgumentException("bad"))
        : n % 4 == 1 ? CompletableFuture.failedFuture(new IllegalStateException("overloaded"))
        : CompletableFuture.completedFuture(null), 100, 4, null);
    assertThat(result.errors()).isEqualTo(Map.of("IllegalArgumentException", 25L, "IllegalStateException", 25L));
    assertThat(result.done()).isEqualTo(100);
    assertThat(result.opsPerSecond()).isEqualTo(50 / result.seconds());
  }

  @Test
  void aRequestThatThrowsCountsAsAFailureAndTheLoopGoesOn() throws Exception {
    ClosedLoop.Result result = LOOP.run(n -> {
      if (n == 3) {
        throw new UnsupportedOperationException("no");
      }
      return CompletableFuture.completedFuture(null);
    }, 10, 2, null);
    assertThat(result.errors()).isEqualTo(Map.of("UnsupportedOperationException", 1L));
    assertThat(result.done()).isEqualTo(10);
  }

  @Test
  void stopsSendingAtTheTimeLimit() throws Exception {
    long start = System.nanoTime();
    ClosedLoop.Result result = LOOP.run(n -> CompletableFuture.runAsync(() -> { },
        CompletableFuture.delayedExecutor(2, TimeUnit.MILLISECONDS)), Long.MAX_VALUE, 2, Duration.ofMillis(300));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    assertThat(result.done()).isBetween(2L, 400L);
  }
}
