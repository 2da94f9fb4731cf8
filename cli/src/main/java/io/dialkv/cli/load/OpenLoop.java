package io.dialkv.cli.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Sends operations at the times a {@link RateSchedule} gives, whether or not earlier ones have
 * answered, the way thousands of independent users do; a closed loop instead waits for an answer
 * before sending more, and so slows down exactly when the system does and hides how long users
 * would have waited ("coordinated omission"). Each operation's latency runs from the time it was
 * due, not from when it was actually sent: if this sender falls behind, that delay counts too.
 *
 * <p>Results are kept per second of the schedule (by due time): operations due, answered
 * successfully (goodput), failed by kind, and latency percentiles of each.
 */
public final class OpenLoop {
  /** What the bench prints on stderr when a schedule begins, for whoever times faults from it. */
  public static final String STARTED = "open loop: schedule started";
  /** Time, so that a test can drive it. */
  public interface Ticker {
    long nanoTime();

    /** Returns at or after the given time. */
    void sleepUntil(long nanos) throws InterruptedException;

    Ticker SYSTEM = new Ticker() {
      @Override
      public long nanoTime() {
        return System.nanoTime();
      }

      @Override
      public void sleepUntil(long nanos) throws InterruptedException {
        long left;
        while ((left = nanos - System.nanoTime()) > 0) {
          TimeUnit.NANOSECONDS.sleep(Math.min(left, 50_000_000)); // the schedule itself, not a wait for a condition
        }
      }
    };
  }

  /** What one failure counts as, from the exception it completed with. */
  public interface Classifier extends Function<Throwable, String> {}

  /** The kind of failure that is an overload refusal: nothing was done, the request may be retried later. */
  public static final String REFUSED = io.dialkv.client.DialException.Kind.OVERLOADED.name();

  /** One second of the run. */
  public static final class Second {
    long due;
    long ok;
    final Map<String, Long> errors = new TreeMap<>();
    final Map<String, String> examples = new TreeMap<>();
    final Histogram okLatency = new Histogram(3_600_000_000_000L, 3);
    final Histogram errorLatency = new Histogram(3_600_000_000_000L, 3);
    final Histogram refusedLatency = new Histogram(3_600_000_000_000L, 3);
    final Histogram sendLag = new Histogram(3_600_000_000_000L, 3);

    public long due() {
      return due;
    }

    public long ok() {
      return ok;
    }

    public Map<String, Long> errors() {
      return errors;
    }

    public long failed() {
      return errors.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Latency of the operations that succeeded, nanoseconds, at a percentile. */
    public long okNanos(double percentile) {
      return okLatency.getTotalCount() == 0 ? 0 : okLatency.getValueAtPercentile(percentile);
    }

    public long errorNanos(double percentile) {
      return errorLatency.getTotalCount() == 0 ? 0 : errorLatency.getValueAtPercentile(percentile);
    }

    /**
     * Latency of the overload refusals alone ({@link #REFUSED}), nanoseconds, at a percentile: how
     * fast the cluster says no, apart from requests that failed after work was done.
     */
    public long refusedNanos(double percentile) {
      return refusedLatency.getTotalCount() == 0 ? 0 : refusedLatency.getValueAtPercentile(percentile);
    }

    /**
     * How late this sender was in sending, nanoseconds, at a percentile: the part of every latency
     * that is the load generator's own and not the cluster's (near zero unless it is short of CPU).
     */
    public long sendLagNanos(double percentile) {
      return sendLag.getTotalCount() == 0 ? 0 : sendLag.getValueAtPercentile(percentile);
    }

    /** The first message of each kind of failure, for a person to read. */
    public Map<String, String> examples() {
      return examples;
    }
  }

  /** A whole run: one entry per second, and the totals. */
  public record Result(RateSchedule schedule, List<Second> seconds, Second total, long maxOutstanding) {}

  private final RateSchedule schedule;
  private final Ticker ticker;
  private final Classifier classifier;
  private final int outstandingLimit;

  /**
   * @param outstandingLimit at most this many operations unanswered; one due beyond it is not sent
   *     and counts as a {@code CLIENT_BACKLOG} failure, so a stalled cluster cannot exhaust this
   *     process's memory
   */
  public OpenLoop(RateSchedule schedule, Ticker ticker, Classifier classifier, int outstandingLimit) {
    this.schedule = schedule;
    this.ticker = ticker;
    this.classifier = classifier;
    this.outstandingLimit = outstandingLimit;
  }

  /**
   * Runs the schedule, sending {@code operation.apply(i)} when operation i is due, and waits up to
   * {@code drainNanos} for the last answers (operations unanswered then count as
   * {@code NO_ANSWER}).
   */
  public Result run(Function<Long, CompletableFuture<?>> operation, long drainNanos) throws InterruptedException {
    int secondsCount = (int) Math.max(1, (schedule.totalDuration().toNanos() + 999_999_999L) / 1_000_000_000L);
    List<Second> seconds = new ArrayList<>(secondsCount);
    for (int i = 0; i < secondsCount; i++) {
      seconds.add(new Second());
    }
    long total = schedule.operations();
    AtomicLong outstanding = new AtomicLong();
    long maxOutstanding = 0;
    CountDownLatch answered = new CountDownLatch((int) Math.min(Integer.MAX_VALUE, total));
    long start = ticker.nanoTime();
    for (long i = 0; i < total; i++) {
      long dueOffset = schedule.dueNanos(i);
      long due = start + dueOffset;
      ticker.sleepUntil(due);
      Second second = seconds.get((int) Math.min(secondsCount - 1, dueOffset / 1_000_000_000L));
      long lag = ticker.nanoTime() - due;
      synchronized (second) {
        second.due++;
        second.sendLag.recordValue(Math.max(0, lag));
      }
      long now = outstanding.incrementAndGet();
      maxOutstanding = Math.max(maxOutstanding, now);
      if (now > outstandingLimit) {
        outstanding.decrementAndGet();
        record(second, "CLIENT_BACKLOG", ticker.nanoTime() - due,
            "more than " + outstandingLimit + " requests unanswered; not sent");
        answered.countDown();
        continue;
      }
      CompletableFuture<?> op;
      try {
        op = operation.apply(i);
      } catch (RuntimeException e) {
        op = CompletableFuture.failedFuture(e);
      }
      op.whenComplete((value, failure) -> {
        long latency = ticker.nanoTime() - due;
        outstanding.decrementAndGet();
        if (failure == null) {
          synchronized (second) {
            second.ok++;
            second.okLatency.recordValue(Math.max(0, latency));
          }
        } else {
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
          record(second, classifier.apply(cause), latency, String.valueOf(cause.getMessage()));
        }
        answered.countDown();
      });
    }
    if (!answered.await(drainNanos, TimeUnit.NANOSECONDS)) {
      // Counted where they are missing: due minus answered, per second.
      for (Second s : seconds) {
        synchronized (s) {
          long missing = s.due - s.ok - s.failed();
          if (missing > 0) {
            s.errors.merge("NO_ANSWER", missing, Long::sum);
          }
        }
      }
    }
    Second sum = new Second();
    for (Second s : seconds) {
      synchronized (s) {
        sum.due += s.due;
        sum.ok += s.ok;
        s.errors.forEach((k, v) -> sum.errors.merge(k, v, Long::sum));
        s.examples.forEach(sum.examples::putIfAbsent);
        sum.okLatency.add(s.okLatency);
        sum.errorLatency.add(s.errorLatency);
        sum.refusedLatency.add(s.refusedLatency);
        sum.sendLag.add(s.sendLag);
      }
    }
    return new Result(schedule, seconds, sum, maxOutstanding);
  }

  private static void record(Second second, String kind, long latency, String message) {
    synchronized (second) {
      second.errors.merge(kind, 1L, Long::sum);
      second.examples.putIfAbsent(kind, message);
      second.errorLatency.recordValue(Math.max(0, latency));
      if (REFUSED.equals(kind)) {
        second.refusedLatency.recordValue(Math.max(0, latency));
      }
    }
  }
}
