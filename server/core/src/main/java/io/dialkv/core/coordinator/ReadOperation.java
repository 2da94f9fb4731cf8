package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Row;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaReadResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One read, in phases:
 *
 * <ol>
 *   <li>Ask as many live replicas as the level needs (own node first). If one fails, ask the next
 *       untried live replica instead. The first replies to arrive, up to the level's count, are
 *       the counted ones; the answer is their merge (newest cell wins).
 *   <li>At QUORUM and ALL, if the counted replicas disagree, write the merged row back to the ones
 *       that lacked part of it and wait for their acks before answering (blocking read repair).
 *       That is what makes QUORUM reads monotonic: once returned, a value is on a quorum.
 *   <li>With {@code trace}, every live replica is asked, and the answer waits (up to the timeout)
 *       for the uncounted ones too, so the provenance can say whether a newer value existed.
 * </ol>
 */
final class ReadOperation {
  private enum Phase {
    COLLECTING,
    REPAIRING,
    TRACING,
    DONE
  }

  private final Fanout fanout;
  private final String key;
  private final Consistency level;
  private final boolean trace;
  private final Fanout.Plan plan;
  private final int required;
  private final Duration timeout;
  private final long startNanos;
  private final ArrayDeque<Integer> untried = new ArrayDeque<>();
  private final Map<Integer, Row> replies = new LinkedHashMap<>();
  private final Map<Integer, Double> latencies = new HashMap<>();
  private final List<Integer> counted = new ArrayList<>();
  private final List<PeerFailureException> failures = new ArrayList<>();
  private final List<Integer> repaired = new ArrayList<>();
  private final CompletableFuture<ReadResult> result = new CompletableFuture<>();
  private Phase phase = Phase.COLLECTING;
  private int inFlight;
  private Row merged;
  private Scheduler.Cancellable timer;

  ReadOperation(
      Fanout fanout,
      String key,
      Consistency level,
      boolean trace,
      Fanout.Plan plan,
      int required,
      Duration timeout) {
    this.fanout = fanout;
    this.key = key;
    this.level = level;
    this.trace = trace;
    this.plan = plan;
    this.required = required;
    this.timeout = timeout;
    this.startNanos = fanout.clock.monotonicNanos();
    untried.addAll(fanout.aliveOwnFirst(plan));
  }

  CompletableFuture<ReadResult> start() {
    timer = fanout.scheduler.schedule(timeout, this::onTimeout);
    int initial = trace ? untried.size() : required;
    List<Integer> targets = new ArrayList<>();
    for (int i = 0; i < initial; i++) {
      targets.add(untried.removeFirst());
    }
    // Count every request in flight before sending any: the own node answers synchronously, and
    // must not look like the last reply while the others are yet to be sent.
    inFlight += targets.size();
    targets.forEach(this::ask);
    return result;
  }

  private void askNext() {
    inFlight++;
    ask(untried.removeFirst());
  }

  private void ask(int node) {
    long sentAt = fanout.clock.monotonicNanos();
    fanout
        .send(node, new ReplicaReadRequest(fanout.selfId, key), timeout)
        .whenComplete((reply, failure) -> onReply(node, sentAt, reply, failure));
  }

  private void onReply(int node, long sentAt, ReplicaReadResponse reply, Throwable failure) {
    inFlight--;
    if (phase == Phase.DONE) {
      return;
    }
    if (failure == null) {
      replies.put(node, reply.row());
      latencies.put(node, fanout.millisSince(sentAt));
      fanout.hlc.tryObserve(reply.row().newestTimestamp(), node);
      if (phase == Phase.COLLECTING) {
        counted.add(node);
        if (counted.size() == required) {
          onEnoughReplies();
        }
      }
    } else {
      failures.add(Fanout.asPeerFailure(node, failure));
      if (phase == Phase.COLLECTING) {
        if (!untried.isEmpty()) {
          askNext();
        } else if (counted.size() + inFlight < required) {
          fail(false);
        }
      }
    }
    if (phase == Phase.TRACING && inFlight == 0) {
      finish();
    }
  }

  private void onEnoughReplies() {
    merged = Row.EMPTY;
    for (int node : counted) {
      merged = merged.merge(replies.get(node));
    }
    if (level == Consistency.ONE) {
      afterRepair();
      return;
    }
    List<Integer> behind = new ArrayList<>();
    for (int node : counted) {
      if (!merged.missingFrom(replies.get(node)).isEmpty()) {
        behind.add(node);
      }
    }
    if (behind.isEmpty()) {
      afterRepair();
      return;
    }
    phase = Phase.REPAIRING;
    fanout.counters.readDisagreed(level);
    fanout.counters.readRepaired(NodeCounters.ReadRepair.BLOCKING, behind.size());
    int[] outstanding = {behind.size()};
    for (int node : behind) {
      Row missing = merged.missingFrom(replies.get(node));
      fanout
          .send(node, new ReplicaWriteRequest(fanout.selfId, key, missing), timeout)
          .whenComplete(
              (ack, failure) -> {
                if (phase != Phase.REPAIRING) {
                  return;
                }
                if (failure != null) {
                  failures.add(Fanout.asPeerFailure(node, failure));
                  fail(false);
                  return;
                }
                repaired.add(node);
                if (--outstanding[0] == 0) {
                  afterRepair();
                }
              });
    }
  }

  private void afterRepair() {
    if (trace && inFlight > 0) {
      phase = Phase.TRACING;
    } else {
      finish();
    }
  }

  private void onTimeout() {
    switch (phase) {
      case COLLECTING, REPAIRING -> fail(true);
      case TRACING -> finish(); // tracing is best effort: answer with what arrived
      case DONE -> {}
    }
  }

  private void fail(boolean timedOut) {
    Phase was = phase;
    phase = Phase.DONE;
    timer.cancel();
    String what =
        was == Phase.REPAIRING
            ? "read repair did not complete"
            : String.format(
                "%d of %d replicas answered (%s)",
                counted.size(),
                required,
                counted.isEmpty() ? "none" : Nodes.names(counted));
    String message =
        timedOut
            ? String.format("read timed out after %d ms: %s", timeout.toMillis(), what)
            : String.format("read failed: %s; %s", what, Fanout.describe(failures));
    result.completeExceptionally(new ReadFailedException(message, timedOut));
  }

  private void finish() {
    phase = Phase.DONE;
    timer.cancel();
    List<ReplicaReply> replyList = new ArrayList<>();
    boolean disagreed = false;
    boolean possiblyStale = false;
    Row first = null;
    for (Map.Entry<Integer, Row> e : replies.entrySet()) {
      Row row = e.getValue();
      first = first == null ? row : first;
      disagreed |= !row.equals(first);
      boolean behind = !merged.missingFrom(row).isEmpty();
      boolean ahead = !row.missingFrom(merged).isEmpty();
      possiblyStale |= ahead;
      replyList.add(
          new ReplicaReply(
              e.getKey(),
              row.newestTimestamp(),
              counted.contains(e.getKey()),
              behind,
              ahead,
              latencies.get(e.getKey())));
    }
    if (trace && level == Consistency.ONE && possiblyStale) {
      fanout.counters.staleReadAtOne();
    }
    Provenance provenance =
        new Provenance(
            fanout.selfId,
            level,
            plan.replicas(),
            required,
            plan.alive(),
            replyList,
            disagreed,
            repaired,
            possiblyStale,
            null,
            null);
    result.complete(new ReadResult(merged, provenance));
  }
}
