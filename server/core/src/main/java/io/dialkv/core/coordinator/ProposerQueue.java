package io.dialkv.core.coordinator;

import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.Scheduler;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiFunction;

/**
 * Runs this node's linearizable operations on each key one at a time, in arrival order: two
 * operations on one key from the same proposer would only outbid each other's ballots. Reads that
 * wait together are answered by one read (all of them were waiting when it began and are
 * answered after it ended, so its moment lies within each of theirs).
 *
 * <p>Bounded: a key holds at most {@link #MAX_WAITING_PER_KEY} waiting operations, and an
 * operation still waiting at its deadline is failed as not applied. Used on the node's event loop
 * only.
 */
final class ProposerQueue {
  static final int MAX_WAITING_PER_KEY = 256;

  private final int selfId;
  private final Clock clock;
  private final Scheduler scheduler;
  private final BiFunction<Waiting, Duration, CompletableFuture<PaxosResult>> runner;
  // A key is here while one of its operations runs; the deque holds those waiting behind it.
  private final Map<String, ArrayDeque<Waiting>> byKey = new HashMap<>();

  /** One operation, waiting or running. */
  static final class Waiting {
    final String key;
    final LinearizableAction action;
    final long deadlineNanos;
    final CompletableFuture<PaxosResult> result = new CompletableFuture<>();
    private Scheduler.Cancellable timer;

    private Waiting(String key, LinearizableAction action, long deadlineNanos) {
      this.key = key;
      this.action = action;
      this.deadlineNanos = deadlineNanos;
    }
  }

  /**
   * @param runner starts an operation with the time it has left
   */
  ProposerQueue(int selfId, Clock clock, Scheduler scheduler,
      BiFunction<Waiting, Duration, CompletableFuture<PaxosResult>> runner) {
    this.selfId = selfId;
    this.clock = clock;
    this.scheduler = scheduler;
    this.runner = runner;
  }

  CompletableFuture<PaxosResult> submit(String key, LinearizableAction action, Duration timeout) {
    Waiting op = new Waiting(key, action, clock.monotonicNanos() + timeout.toNanos());
    ArrayDeque<Waiting> waiting = byKey.get(key);
    if (waiting == null) {
      byKey.put(key, new ArrayDeque<>());
      run(List.of(op));
      return op.result;
    }
    if (waiting.size() >= MAX_WAITING_PER_KEY) {
      return CompletableFuture.failedFuture(new ContentionException(
          "n" + selfId + " already has " + waiting.size() + " linearizable operations waiting for this key"
              + "; nothing was applied, retry later"));
    }
    op.timer = scheduler.schedule(timeout, () -> {
      if (waiting.remove(op)) {
        op.result.completeExceptionally(new ContentionException(
            "linearizable operation waited " + timeout.toMillis() + " ms behind earlier operations on the same key"
                + " and did not start; nothing was applied, retry"));
      }
    });
    waiting.add(op);
    return op.result;
  }

  private void run(List<Waiting> batch) {
    Waiting first = batch.get(0); // the oldest: the least time left
    Duration left = Duration.ofNanos(Math.max(first.deadlineNanos - clock.monotonicNanos(), 0));
    CompletableFuture<PaxosResult> running;
    try {
      running = runner.apply(first, left);
    } catch (RuntimeException e) {
      running = CompletableFuture.failedFuture(e);
    }
    running.whenComplete((r, e) -> {
      for (Waiting op : batch) {
        if (e == null) {
          op.result.complete(r);
        } else {
          op.result.completeExceptionally(e);
        }
      }
      next(first.key);
    });
  }

  private void next(String key) {
    ArrayDeque<Waiting> waiting = byKey.get(key);
    Waiting head = waiting.poll();
    if (head == null) {
      byKey.remove(key);
      return;
    }
    head.timer.cancel();
    List<Waiting> batch = new ArrayList<>();
    batch.add(head);
    if (head.action.readsOnly()) {
      for (Iterator<Waiting> it = waiting.iterator(); it.hasNext(); ) {
        Waiting op = it.next();
        if (op.action.readsOnly()) {
          it.remove();
          op.timer.cancel();
          batch.add(op);
        }
      }
    }
    run(batch);
  }
}
