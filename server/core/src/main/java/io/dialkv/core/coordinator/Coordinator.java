package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.handoff.HintedHandoff;
import io.dialkv.core.membership.FailureDetector;
import io.dialkv.core.membership.Topology;
import io.dialkv.core.repair.RepairReport;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

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
  private final Random random;
  private final HintedHandoff hints;
  private final double readRepairChance;

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
      double readRepairChance) {
    this.fanout = new Fanout(selfId, topology, detector, transport, local, hlc, clock, scheduler);
    this.hints = hints;
    this.readRepairChance = readRepairChance;
    this.readTimeout = readTimeout;
    this.writeTimeout = writeTimeout;
    this.random = new Random(0x5eed_0000L + selfId);
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
      return CompletableFuture.failedFuture(
          new UnavailableException(
              "write", required, plan.replicas().size(), plan.alive(), plan.down()));
    }
    Timestamp timestamp = fanout.hlc.now();
    return new WriteOperation(
            fanout, hints, rowKey, mutation.at(timestamp), timestamp, level, plan, required, writeTimeout)
        .start();
  }

  /**
   * Runs a linearizable operation on the key: a Paxos round among its replicas in which the action
   * sees the current row and decides the update (null for none).
   */
  public CompletableFuture<PaxosResult> linearizable(String rowKey, PaxosOperation.Action action) {
    Fanout.Plan plan = fanout.plan(rowKey);
    int required = Consistency.LINEARIZABLE.required(fanout.ring().replicationFactor());
    if (plan.alive().size() < required) {
      return CompletableFuture.failedFuture(
          new UnavailableException(
              "linearizable operation", required, plan.replicas().size(), plan.alive(), plan.down()));
    }
    return new PaxosOperation(fanout, rowKey, action, plan, writeTimeout.multipliedBy(2), random).start();
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
      return CompletableFuture.failedFuture(
          new UnavailableException(
              "read", required, plan.replicas().size(), plan.alive(), plan.down()));
    }
    CompletableFuture<ReadResult> read =
        new ReadOperation(fanout, rowKey, level, trace, plan, required, readTimeout).start();
    if (level == Consistency.ONE && plan.alive().size() > 1 && random.nextDouble() < readRepairChance) {
      read.thenRun(() -> BackgroundRepair.run(fanout, rowKey, plan, readTimeout));
    }
    return read;
  }
}
