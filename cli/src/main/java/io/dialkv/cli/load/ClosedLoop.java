package io.dialkv.cli.load;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed loop: keeps a fixed number of requests in flight, sending the next as soon as one
 * completes, which measures capacity. One loop for every store the benchmarks drive (dialkv's
 * bench command and the race against other stores), so that their figures share one shape.
 */
public final class ClosedLoop {
  private static final Executor PAUSE = CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS);
  private static final Duration LONGEST = Duration.ofMinutes(30);

  private final Function<Throwable, String> kindOf;
  private final Predicate<Throwable> pauseAfter;

  /**
   * @param kindOf names the kind of a failure, for the error counts
   * @param pauseAfter failures (a refusal for overload, say) after which this slot waits 5 ms before
   *     it sends again, rather than asking again in a tight loop
   */
  public ClosedLoop(Function<Throwable, String> kindOf, Predicate<Throwable> pauseAfter) {
    this.kindOf = kindOf;
    this.pauseAfter = pauseAfter;
  }

  /** What one run did: every completed request's latency, and the failures by kind. */
  public record Result(Histogram latencies, Map<String, Long> errors, double seconds) {
    public long done() {
      return latencies.getTotalCount();
    }

    public long failed() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Requests that succeeded, per second. */
    public double opsPerSecond() {
      return seconds == 0 ? 0 : (done() - failed()) / seconds;
    }
  }

  /**
   * Runs {@code total} requests (numbered from 0) with {@code concurrency} in flight, or until
   * {@code limit} has passed, whichever comes first; those in flight at the limit complete.
   *
   * @param limit null for no time limit
   */
  public Result run(LongFunction<CompletableFuture<?>> request, long total, int concurrency, Duration limit)
      throws InterruptedException {
    Run run = new Run(request, total, limit == null ? Long.MAX_VALUE : System.nanoTime() + limit.toNanos());
    long start = System.nanoTime();
    CountDownLatch done = new CountDownLatch(concurrency);
    for (int i = 0; i < concurrency; i++) {
      run.next(done);
    }
    if (!done.await(LONGEST.toMinutes(), TimeUnit.MINUTES)) {
      throw new IllegalStateException("the load did not finish in " + LONGEST.toMinutes() + " minutes");
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    Map<String, Long> errors = new TreeMap<>();
    run.errors.forEach((kind, n) -> errors.put(kind, n.sum()));
    return new Result(run.latencies.getIntervalHistogram(), errors, seconds);
  }

  private final class Run {
    private final LongFunction<CompletableFuture<?>> request;
    private final long total;
    private final long stopAtNanos;
    private final AtomicLong issued = new AtomicLong();
    private final Recorder latencies = new Recorder(3);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();

    Run(LongFunction<CompletableFuture<?>> request, long total, long stopAtNanos) {
      this.request = request;
      this.total = total;
      this.stopAtNanos = stopAtNanos;
    }

    void next(CountDownLatch done) {
      long n = issued.getAndIncrement();
      if (n >= total || stopAtNanos != Long.MAX_VALUE && System.nanoTime() - stopAtNanos > 0) {
        done.countDown();
        return;
      }
      long start = System.nanoTime();
      CompletableFuture<?> op;
      try {
        op = request.apply(n);
      } catch (RuntimeException e) {
        op = CompletableFuture.failedFuture(e);
      }
      op.whenComplete((r, failure) -> {
        latencies.recordValue(System.nanoTime() - start);
        if (failure != null) {
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          errors.computeIfAbsent(kindOf.apply(cause), x -> new LongAdder()).increment();
          if (pauseAfter.test(cause)) {
            CompletableFuture.runAsync(() -> next(done), PAUSE);
            return;
          }
        }
        next(done);
      });
    }
  }
}
