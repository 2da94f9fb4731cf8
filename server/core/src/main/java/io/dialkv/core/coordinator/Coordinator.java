package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.handoff.HintedHandoff;
import io.dialkv.core.membership.FailureDetector;
import io.dialkv.core.membership.Topology;
import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.repair.RepairReport;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.time.Buggify;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.LinearizableRequest;
import io.dialkv.core.transport.LinearizableResponse;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Every node is a coordinator: it takes a client's request for any key and runs it against the
 * key's replicas at the requested level. Before sending anything it checks that enough replicas
 * are alive and fails fast if not, so an unavailable request costs nothing and certainly had no
 * effect.
 *
 * <p>Methods must be called on the node's event loop; the futures complete there.
 */
public final class Coordinator {
  private final Fanout fanout;
  private final Duration readTimeout;
  private final Duration writeTimeout;
  // Back-off jitter for competing Paxos proposers; seeded so that simulations replay exactly.
  private final RandomGenerator random;
  private final HintedHandoff hints;
  private final double readRepairChance;
  private final ProposerQueue proposals;
  // A failure detector's suspicion below which a peer counts as heard from within about a
  // heartbeat interval.
  private static final double FRESH_PHI = 1.0;

  public Coordinator(
      int selfId,
      Supplier<Topology> topology,
      FailureDetector detector,
      Transport transport,
      ReplicaHandler local,
      HybridClock hlc,
      Clock clock,
      Scheduler scheduler,
      Duration readTimeout,
      Duration writeTimeout,
      HintedHandoff hints,
      double readRepairChance,
      NodeCounters counters) {
    this.fanout = new Fanout(selfId, topology, detector, transport, local, hlc, clock, scheduler, counters);
    this.hints = hints;
    this.readRepairChance = readRepairChance;
    this.readTimeout = readTimeout;
    this.writeTimeout = writeTimeout;
    this.random = scheduler.random();
    this.proposals = new ProposerQueue(selfId, clock, scheduler, (op, timeLeft) -> {
      // The plan again: the replicas' liveness (or the ring) may have changed while it waited.
      Fanout.Plan plan = fanout.paxosPlan(op.key);
      if (plan.alive().size() < plan.paxosQuorum()) {
        return unavailable("linearizable operation", plan, plan.paxosQuorum());
      }
      return new PaxosOperation(fanout, op.key, op.action, plan, timeLeft, random).start();
    });
  }

  /**
   * Anti-entropy repair of every range this node holds a replica of, then a purge of deletion
   * markers older than {@code tombstoneGrace} from the ranges every replica took part in.
   */
  public CompletableFuture<RepairReport> repair(Duration timeout, Duration tombstoneGrace) {
    return new RepairSession(fanout, timeout, tombstoneGrace).start();
  }

  /**
   * Stamps the mutation with a fresh timestamp and writes it to the key's replicas. While the key
   * has pending replicas, the write needs one more ack per pending replica, from any of them: with
   * N current and P pending replicas and W + P acks out of N + P, at least W of the key's replicas
   * in the future ring have it, whichever node ends up losing the key.
   */
  public CompletableFuture<WriteResult> write(String rowKey, Mutation mutation, Consistency level) {
    Fanout.Plan plan = fanout.writePlan(rowKey);
    int required = level.required(fanout.ring().replicationFactor()) + plan.pending();
    if (plan.alive().size() < required) {
      return unavailable("write", plan, required);
    }
    Timestamp timestamp = fanout.hlc.now();
    return new WriteOperation(
            fanout, hints, rowKey, mutation.at(timestamp), timestamp, level, plan, required, writeTimeout)
        .start();
  }

  /**
   * Runs a linearizable operation on the key: a Paxos round among its replicas in which the action
   * sees the current row and decides the update (if any).
   *
   * <p>The round is run by the key's preferred proposer, its first live replica, so that clients
   * of one key on different nodes do not compete with ballots (a proposer refused after a replica
   * accepted its value cannot tell whether it was chosen, so competition turns writes
   * indeterminate): another node hands the operation on, and runs it itself only when the
   * preferred proposer is not fresh in its failure detector or the hand-off never reached it. Two
   * nodes that disagree on which replica is first both run Paxos, which stays safe.
   */
  public CompletableFuture<PaxosResult> linearizable(String rowKey, LinearizableAction action) {
    Fanout.Plan plan = fanout.paxosPlan(rowKey);
    if (plan.alive().size() < plan.paxosQuorum()) {
      return unavailable("linearizable operation", plan, plan.paxosQuorum());
    }
    int proposer = preferredProposer(plan);
    if (proposer == fanout.selfId || proposer < 0) {
      return proposals.submit(rowKey, action, paxosTimeout());
    }
    return handOff(proposer, rowKey, action, plan);
  }

  /**
   * Runs a linearizable operation another node handed on to this one, as its preferred proposer:
   * here, whatever this node thinks of who is first (it never hands an operation on twice).
   */
  public CompletableFuture<LinearizableResponse> runHandedOn(LinearizableRequest request) {
    return proposals.submit(request.key(), request.action(), paxosTimeout()).handle((r, e) -> {
      if (e == null) {
        return new LinearizableResponse(fanout.selfId, LinearizableResponse.Outcome.COMPLETED, "",
            r.before(), r.applied(), r.provenance().paxos());
      }
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      LinearizableResponse.Outcome outcome;
      if (cause instanceof UnavailableException || cause instanceof ReplicasRefusedException) {
        outcome = LinearizableResponse.Outcome.UNAVAILABLE;
      } else if (cause instanceof ContentionException) {
        outcome = LinearizableResponse.Outcome.CONTENTION;
      } else if (cause instanceof InvalidRequestException) {
        outcome = LinearizableResponse.Outcome.INVALID;
      } else {
        outcome = request.action().readsOnly()
            ? LinearizableResponse.Outcome.CONTENTION
            : LinearizableResponse.Outcome.INDETERMINATE;
      }
      return new LinearizableResponse(fanout.selfId, outcome, String.valueOf(cause.getMessage()), null, false, null);
    });
  }

  /** Too few of the key's replicas are alive for the level: nothing is sent. */
  private static <T> CompletableFuture<T> unavailable(String operation, Fanout.Plan plan, int required) {
    return CompletableFuture.failedFuture(
        new UnavailableException(operation, required, plan.replicas().size(), plan.alive(), plan.down()));
  }

  private Duration paxosTimeout() {
    return writeTimeout.multipliedBy(2);
  }

  /**
   * The key's first live replica if this node may hand operations to it: itself, or a peer it has
   * heard from within about a heartbeat (a peer just cut off would hold every hand-off until it
   * times out); -1 to run here.
   */
  private int preferredProposer(Fanout.Plan plan) {
    for (int replica : plan.replicas()) {
      if (!plan.alive().contains(replica)) {
        continue;
      }
      if (replica == fanout.selfId) {
        return replica;
      }
      return fanout.detector.phi(replica, fanout.clock.monotonicNanos()) < FRESH_PHI ? replica : -1;
    }
    return -1;
  }

  private CompletableFuture<PaxosResult> handOff(int proposer, String rowKey, LinearizableAction action,
      Fanout.Plan plan) {
    Duration timeout = paxosTimeout().plus(readTimeout);
    return fanout.send(proposer, new LinearizableRequest(fanout.selfId, rowKey, action), timeout)
        .handle((response, error) -> {
          if (error == null) {
            return handedOnResult(response, plan);
          }
          PeerFailureException failure = Fanout.asPeerFailure(proposer, error);
          if (!failure.mayHaveBeenDelivered() || action.readsOnly()) {
            // It never ran there (or it only read): run it here instead.
            return proposals.submit(rowKey, action, paxosTimeout());
          }
          return CompletableFuture.<PaxosResult>failedFuture(new IndeterminateWriteException(
              "linearizable operation handed to its preferred proposer " + failure.getMessage()
                  + "; it may have been applied"));
        })
        .thenCompose(f -> f);
  }

  private CompletableFuture<PaxosResult> handedOnResult(LinearizableResponse r, Fanout.Plan plan) {
    String via = " (at n" + r.nodeId() + ", the key's preferred proposer)";
    RuntimeException failure = switch (r.outcome()) {
      case COMPLETED -> null;
      case UNAVAILABLE -> new ReplicasRefusedException(r.message() + via);
      case CONTENTION -> new ContentionException(r.message() + via);
      case INVALID -> new InvalidRequestException(r.message() + via);
      case INDETERMINATE -> new IndeterminateWriteException(r.message() + via);
    };
    if (failure != null) {
      return CompletableFuture.failedFuture(failure);
    }
    int majority = plan.paxosQuorum();
    Provenance provenance = new Provenance(r.nodeId(), Consistency.LINEARIZABLE, plan.replicas(), majority,
        plan.alive(), List.of(), false, List.of(), false, r.trace().ballot(), r.trace());
    return CompletableFuture.completedFuture(new PaxosResult(r.before(), r.applied(), provenance));
  }

  /**
   * Reads the key's row from the level's count of replicas.
   *
   * @param trace also ask the replicas that do not count, to report whether the answer is stale
   */
  public CompletableFuture<ReadResult> read(String rowKey, Consistency level, boolean trace) {
    Fanout.Plan plan = fanout.plan(rowKey);
    int required = level.required(fanout.ring().replicationFactor());
    if (plan.alive().size() < required) {
      return unavailable("read", plan, required);
    }
    CompletableFuture<ReadResult> read =
        new ReadOperation(fanout, rowKey, level, trace, plan, required, readTimeout).start();
    if (level == Consistency.ONE && plan.alive().size() > 1
        && (random.nextDouble() < readRepairChance || fanout.scheduler.buggify(Buggify.READ_REPAIR_ALWAYS))) {
      // A traced read has judged its own staleness already (it asked every replica).
      read.thenAccept(r -> BackgroundRepair.run(fanout, rowKey, plan, readTimeout, trace ? null : r.row()));
    }
    return read;
  }
}
