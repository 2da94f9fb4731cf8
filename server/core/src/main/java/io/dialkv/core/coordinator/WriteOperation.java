package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.HintedHandoff;
import io.dialkv.core.time.Buggify;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.ReplicaWriteResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One write: sent to every live replica, acknowledged once the level's count of replicas has it.
 * Once anything was sent, a shortfall is reported as indeterminate, never as a failure, because the
 * replicas that did receive it keep it. Replicas that are down or whose send fails get a hint.
 */
final class WriteOperation {
  private final Fanout fanout;
  private final HintedHandoff hints;
  private final String key;
  private final Row row;
  private final Timestamp timestamp;
  private final Consistency level;
  private final Fanout.Plan plan;
  private final int required;
  private final Duration timeout;
  private final long startNanos;
  private final List<ReplicaReply> acks = new ArrayList<>();
  private final List<PeerFailureException> failures = new ArrayList<>();
  private final CompletableFuture<WriteResult> result = new CompletableFuture<>();
  private Scheduler.Cancellable timer;

  WriteOperation(
      Fanout fanout,
      HintedHandoff hints,
      String key,
      Row row,
      Timestamp timestamp,
      Consistency level,
      Fanout.Plan plan,
      int required,
      Duration timeout) {
    this.fanout = fanout;
    this.hints = hints;
    this.key = key;
    this.row = row;
    this.timestamp = timestamp;
    this.level = level;
    this.plan = plan;
    this.required = required;
    this.timeout = timeout;
    this.startNanos = fanout.clock.monotonicNanos();
  }

  CompletableFuture<WriteResult> start() {
    timer = fanout.scheduler.schedule(timeout, this::onTimeout);
    ReplicaWriteRequest request = new ReplicaWriteRequest(fanout.selfId, key, row);
    for (int node : plan.down()) {
      storeHint(node);
    }
    for (int node : plan.alive()) {
      fanout
          .send(node, request, timeout)
          .whenComplete((ack, failure) -> onReply(node, ack, failure));
    }
    return result;
  }

  private void storeHint(int node) {
    if (!fanout.scheduler.buggify(Buggify.HINT_NOT_STORED)) {
      hints.store(node, key, row);
    }
  }

  private void onReply(int node, ReplicaWriteResponse ack, Throwable failure) {
    PeerFailureException failed = failure == null ? null : Fanout.asPeerFailure(node, failure);
    if (failed != null && !failed.refused() && node != fanout.selfId) {
      // Whether or not the write has been answered: the replica must get it eventually. A replica
      // that refused it would refuse it again.
      storeHint(node);
    }
    if (result.isDone()) {
      return;
    }
    if (failure == null) {
      // A replica that already held newer data acknowledges a write that changed nothing there:
      // the reply says so (last-write-wins), with the timestamp that beat it.
      boolean lost = ack.supersededBy() != null;
      acks.add(new ReplicaReply(node, lost ? ack.supersededBy() : timestamp, true, false, lost,
          fanout.millisSince(startNanos)));
      if (acks.size() >= required) {
        timer.cancel();
        result.complete(new WriteResult(provenance()));
      }
      return;
    }
    failures.add(failed);
    int stillPossible = plan.alive().size() - failures.size();
    if (stillPossible >= required) {
      return;
    }
    timer.cancel();
    boolean nothingDelivered =
        acks.isEmpty() && failures.stream().noneMatch(PeerFailureException::mayHaveBeenDelivered);
    if (nothingDelivered && failures.stream().allMatch(PeerFailureException::refused)) {
      // Every replica refused it (a row over its limit, a timestamp beyond the clock bound), so
      // nothing was applied anywhere.
      result.completeExceptionally(ReplicasRefusedException.of("write", failures));
    } else if (nothingDelivered && failures.size() == plan.alive().size()) {
      List<Integer> unreachable = failures.stream().map(PeerFailureException::nodeId).toList();
      List<Integer> down = new ArrayList<>(plan.down());
      down.addAll(unreachable);
      List<Integer> reachable = new ArrayList<>(plan.alive());
      reachable.removeAll(unreachable);
      result.completeExceptionally(
          new UnavailableException("write", required, plan.replicas().size(), reachable, down));
    } else {
      result.completeExceptionally(
          new IndeterminateWriteException(
              String.format(
                  "write got %d of %d acks (%s) and %s; it may have been applied",
                  acks.size(), required, ackers(), Fanout.describe(failures))));
    }
  }

  private void onTimeout() {
    if (result.isDone()) {
      return;
    }
    result.completeExceptionally(
        new IndeterminateWriteException(
            String.format(
                "write timed out after %d ms with %d of %d acks (%s); it may have been applied",
                timeout.toMillis(), acks.size(), required, ackers())));
  }

  private String ackers() {
    return acks.isEmpty()
        ? "none"
        : "from " + Nodes.names(acks.stream().map(ReplicaReply::nodeId).toList());
  }

  private Provenance provenance() {
    boolean superseded = acks.stream().anyMatch(ReplicaReply::aheadOfResult);
    return new Provenance(
        fanout.selfId,
        level,
        plan.replicas(),
        required,
        plan.alive(),
        acks,
        false,
        List.of(),
        false,
        timestamp,
        null,
        superseded);
  }
}
