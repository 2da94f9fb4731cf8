package io.dialkv.core.coordinator;

import io.dialkv.core.membership.FailureDetector;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What read and write operations share: finding a key's replicas and which of them are alive, and
 * sending to a replica, which for the coordinator's own node is a direct call rather than a
 * network round trip.
 */
final class Fanout {
  final int selfId;
  final TokenRing ring;
  final FailureDetector detector;
  final Transport transport;
  final ReplicaHandler local;
  final HybridClock hlc;
  final Clock clock;
  final Scheduler scheduler;

  Fanout(
      int selfId,
      TokenRing ring,
      FailureDetector detector,
      Transport transport,
      ReplicaHandler local,
      HybridClock hlc,
      Clock clock,
      Scheduler scheduler) {
    this.selfId = selfId;
    this.ring = ring;
    this.detector = detector;
    this.transport = transport;
    this.local = local;
    this.hlc = hlc;
    this.clock = clock;
    this.scheduler = scheduler;
  }

  /** The key's replicas, and which of them the failure detector believes alive. */
  record Plan(List<Integer> replicas, List<Integer> alive, List<Integer> down) {}

  Plan plan(String key) {
    List<Integer> replicas = ring.replicasFor(key);
    List<Integer> alive = new ArrayList<>();
    List<Integer> down = new ArrayList<>();
    long now = clock.monotonicNanos();
    for (int replica : replicas) {
      if (replica == selfId || detector.isAlive(replica, now)) {
        alive.add(replica);
      } else {
        down.add(replica);
      }
    }
    return new Plan(replicas, alive, down);
  }

  <R extends PeerResponse> CompletableFuture<R> send(int node, PeerRequest<R> request, Duration timeout) {
    if (node != selfId) {
      return transport.send(node, request, timeout);
    }
    try {
      return CompletableFuture.completedFuture(local.handle(request));
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  double millisSince(long startNanos) {
    return (clock.monotonicNanos() - startNanos) / 1e6;
  }

  /** A failed reply as a peer failure, whatever wrapped it. */
  static PeerFailureException asPeerFailure(int node, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
    if (cause instanceof PeerFailureException peer) {
      return peer;
    }
    return new PeerFailureException(node, String.valueOf(cause.getMessage()), true);
  }

  /** "failures: n2: ...; n3: ..." for error messages. */
  static String describe(List<PeerFailureException> failures) {
    return failures.isEmpty()
        ? "no failures"
        : "failures: "
            + String.join("; ", failures.stream().map(Throwable::getMessage).toList());
  }
}
