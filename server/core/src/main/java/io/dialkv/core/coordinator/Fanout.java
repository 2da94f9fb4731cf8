package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.membership.FailureDetector;
import io.dialkv.core.membership.Topology;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.stats.NodeCounters;
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
import java.util.function.Supplier;

/**
 * What read and write operations share: finding a key's replicas and which of them are alive, and
 * sending to a replica, which for the coordinator's own node is a direct call rather than a
 * network round trip.
 */
final class Fanout {
  final int selfId;
  private final Supplier<Topology> topology;
  final FailureDetector detector;
  final Transport transport;
  final ReplicaHandler local;
  final HybridClock hlc;
  final Clock clock;
  final Scheduler scheduler;
  final NodeCounters counters;

  Fanout(
      int selfId,
      Supplier<Topology> topology,
      FailureDetector detector,
      Transport transport,
      ReplicaHandler local,
      HybridClock hlc,
      Clock clock,
      Scheduler scheduler,
      NodeCounters counters) {
    this.selfId = selfId;
    this.topology = topology;
    this.detector = detector;
    this.transport = transport;
    this.local = local;
    this.hlc = hlc;
    this.clock = clock;
    this.scheduler = scheduler;
    this.counters = counters;
  }

  /** The ring that serves requests now (it changes as members join and leave). */
  TokenRing ring() {
    return topology.get().ring();
  }

  /**
   * The key's replicas, and which of them the failure detector believes alive.
   *
   * @param pending how many of {@code replicas} are pending (see {@link #writePlan})
   */
  record Plan(List<Integer> replicas, List<Integer> alive, List<Integer> down, int pending) {
    /**
     * How many of the replicas a Paxos round needs: a majority of the key's current replicas, and
     * one more per pending replica (Cassandra's rule for lightweight transactions during range
     * movements). While a member joins or leaves, nodes that already see the new ring use a
     * majority of the new replicas, the others this count out of old and pending replicas; any two
     * such quorums share a replica, and so do two of the old ones.
     */
    int paxosQuorum() {
      return Consistency.LINEARIZABLE.required(replicas.size() - pending) + pending;
    }
  }

  /** The plan's live replicas, this node first if it is one: its answer costs no network hop. */
  List<Integer> aliveOwnFirst(Plan plan) {
    List<Integer> ordered = new ArrayList<>(plan.alive().size());
    if (plan.alive().contains(selfId)) {
      ordered.add(selfId);
    }
    for (int node : plan.alive()) {
      if (node != selfId) {
        ordered.add(node);
      }
    }
    return ordered;
  }

  /** The replicas a read asks: the key's replicas in the current ring. */
  Plan plan(String key) {
    return classify(ring().replicasFor(key), 0);
  }

  /**
   * The replicas a write goes to: the key's replicas in the current ring, then its pending
   * replicas while a member joins or leaves (they will own the key and must not miss its writes).
   */
  Plan writePlan(String key) {
    Topology now = topology.get();
    List<Integer> pending = now.pendingReplicas(key);
    if (pending.isEmpty()) {
      return classify(now.ring().replicasFor(key), 0);
    }
    List<Integer> replicas = new ArrayList<>(now.ring().replicasFor(key));
    replicas.addAll(pending);
    return classify(replicas, pending.size());
  }

  /**
   * The replicas a Paxos round runs among: as {@link #writePlan}, the key's replicas and its pending
   * ones, which take part as acceptors (see {@link Plan#paxosQuorum}).
   */
  Plan paxosPlan(String key) {
    return writePlan(key);
  }

  /** Nodes that will be replicas of the key once the member joining or leaving is done. */
  List<Integer> pendingReplicas(String key) {
    return topology.get().pendingReplicas(key);
  }

  private Plan classify(List<Integer> replicas, int pending) {
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
    return new Plan(replicas, alive, down, pending);
  }

  <R extends PeerResponse> CompletableFuture<R> send(int node, PeerRequest<R> request, Duration timeout) {
    if (node != selfId) {
      return transport.send(node, request, timeout);
    }
    try {
      return local.handleDurably(request, scheduler::execute);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  double millisSince(long startNanos) {
    return (clock.monotonicNanos() - startNanos) / 1e6;
  }

  /** A failed reply as a peer failure, whatever wrapped it. */
  static PeerFailureException asPeerFailure(int node, Throwable failure) {
    return PeerFailureException.of(node, failure);
  }

  /** "failures: n2: ...; n3: ..." for error messages. */
  static String describe(List<PeerFailureException> failures) {
    return failures.isEmpty()
        ? "no failures"
        : "failures: "
            + String.join("; ", failures.stream().map(Throwable::getMessage).toList());
  }
}
