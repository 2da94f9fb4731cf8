package io.dialkv.it;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Consistency;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A steady stream of reads and writes at one level from a fixed number of workers, each issuing
 * its next request when the last completes, until stopped or until its bounds (operations, time)
 * are reached. Counts outcomes by kind and the requests in flight at any moment.
 */
final class SteadyWorkload implements AutoCloseable {
  private final DialClient client;
  private final Consistency level;
  private final int workers;
  private final long maxOps;
  private final long deadlineNanos;
  private final CountDownLatch finished;
  private final boolean freshKeys;
  private volatile boolean stopped;

  final AtomicLong ops = new AtomicLong();
  final AtomicLong readsOk = new AtomicLong();
  final AtomicLong writesOk = new AtomicLong();
  final AtomicInteger inFlight = new AtomicInteger();
  final List<DialException> readFailures = new CopyOnWriteArrayList<>();
  final Map<DialException.Kind, AtomicLong> writeFailures = new ConcurrentHashMap<>();
  /** With fresh keys: every acknowledged write, key to value. */
  final Map<String, String> acknowledged = new ConcurrentHashMap<>();

  SteadyWorkload(DialClient client, Consistency level, int workers, long maxOps, Duration maxTime) {
    this(client, level, workers, maxOps, maxTime, false);
  }

  /**
   * @param freshKeys write each key once and remember the acknowledged ones (to look for lost
   *     writes afterwards), reading the key written last; otherwise overwrite 50 keys per worker
   */
  SteadyWorkload(DialClient client, Consistency level, int workers, long maxOps, Duration maxTime, boolean freshKeys) {
    this.freshKeys = freshKeys;
    this.client = client;
    this.level = level;
    this.workers = workers;
    this.maxOps = maxOps;
    this.deadlineNanos = System.nanoTime() + maxTime.toNanos();
    this.finished = new CountDownLatch(workers);
  }

  SteadyWorkload start() {
    for (int w = 0; w < workers; w++) {
      next(w, 0);
    }
    return this;
  }

  private void next(int worker, long n) {
    if (stopped || ops.get() >= maxOps || System.nanoTime() > deadlineNanos) {
      finished.countDown();
      return;
    }
    ops.incrementAndGet();
    inFlight.incrementAndGet();
    boolean write = n % 2 == 0;
    String key = "steady-" + worker + "-" + (freshKeys ? (write ? n : n - 1) : n % 50);
    String value = "v" + n;
    CompletableFuture<?> call =
        write
            ? client.putAsync(key, value.getBytes(StandardCharsets.UTF_8), level)
            : client.getAsync(key, level, false);
    call.whenComplete((r, t) -> {
      inFlight.decrementAndGet();
      Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (cause == null) {
        (write ? writesOk : readsOk).incrementAndGet();
        if (write && freshKeys) {
          acknowledged.put(key, value);
        }
      } else if (cause instanceof DialException d) {
        if (write) {
          writeFailures.computeIfAbsent(d.kind(), k -> new AtomicLong()).incrementAndGet();
        } else {
          readFailures.add(d);
        }
      } else {
        readFailures.add(new DialException(DialException.Kind.OTHER, null, "unexpected: " + cause, cause));
      }
      next(worker, n + 1);
    });
  }

  long writeFailures(DialException.Kind kind) {
    AtomicLong n = writeFailures.get(kind);
    return n == null ? 0 : n.get();
  }

  long allWriteFailures() {
    return writeFailures.values().stream().mapToLong(AtomicLong::get).sum();
  }

  /** Stops issuing requests and waits for those in flight. */
  @Override
  public void close() throws InterruptedException {
    stopped = true;
    finished.await(30, TimeUnit.SECONDS);
  }
}
