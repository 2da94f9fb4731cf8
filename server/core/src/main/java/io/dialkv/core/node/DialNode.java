package io.dialkv.core.node;

import io.dialkv.core.admission.AdmissionControl;
import io.dialkv.core.admission.OverloadedException;
import io.dialkv.core.coordinator.Coordinator;
import io.dialkv.core.coordinator.PaxosResult;
import io.dialkv.core.coordinator.ReadResult;
import io.dialkv.core.coordinator.WriteResult;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.ProfileSchema;
import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.handoff.HintedHandoff;
import io.dialkv.core.handoff.PendingHints;
import io.dialkv.core.membership.ClusterMembership;
import io.dialkv.core.membership.HeartbeatLoop;
import io.dialkv.core.membership.Member;
import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.membership.MembershipChange;
import io.dialkv.core.membership.MembershipChangeRefusedException;
import io.dialkv.core.membership.PhiAccrualFailureDetector;
import io.dialkv.core.membership.Topology;
import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.repair.RepairReport;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.FetchRowsResponse;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.LinearizableRequest;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One dialkv node, built from its configuration and the four seams. Its public methods may be
 * called from any thread: each hops onto the node's event loop, where all of its state lives, and
 * returns a future that completes there.
 */
public final class DialNode {
  private static final Logger log = LoggerFactory.getLogger(DialNode.class);

  private final NodeConfig config;
  private final Clock clock;
  private final Scheduler scheduler;
  private final ClusterMembership membership;
  private final PhiAccrualFailureDetector detector;
  private final ReplicaHandler replica;
  private final Coordinator coordinator;
  private final HeartbeatLoop heartbeats;
  private final HintedHandoff hints;
  private final AdmissionControl admission;
  private final Transport transport;
  private final HybridClock hlc;
  private final NodeCounters counters = new NodeCounters();
  private final CompletableFuture<MembershipChange> joined = new CompletableFuture<>();
  private volatile boolean stopped;
  private volatile boolean decommissioning;
  /** When {@link #start} ran, on the monotonic clock; what the settling of the peer view counts from. */
  private volatile long startedNanos = Long.MIN_VALUE;
  /** Set once the node has first called its view of the peers settled (owned by the event loop). */
  private boolean settled;

  public DialNode(
      NodeConfig config, Transport transport, Storage storage, Clock clock, Scheduler scheduler) {
    this.config = config;
    this.clock = clock;
    this.scheduler = scheduler;
    int self = config.nodeId();
    this.transport = transport;
    this.hlc = new HybridClock(clock, self, config.maxClockOffset());
    this.admission = new AdmissionControl(self, config.admission(), clock);
    long intervalMillis = config.heartbeatInterval().toMillis();
    // Tolerate a pause of four heartbeats before suspicion climbs: GC and a busy laptop.
    this.detector =
        new PhiAccrualFailureDetector(
            config.phiThreshold(), intervalMillis, intervalMillis / 2.0, intervalMillis * 4.0);
    this.replica = new ReplicaHandler(self, storage, hlc, this::ring, config.limits());
    this.membership =
        new ClusterMembership(
            self,
            ClusterMembership.restore(config.members(), storage),
            config.virtualNodes(),
            config.replicationFactor(),
            storage,
            transport,
            replica,
            detector,
            clock,
            scheduler,
            config.heartbeatInterval(),
            config.writeTimeout(),
            () -> admission.underPressure(),
            this::onTopologyChange,
            counters);
    transport.learnAddresses(membership.membership().addresses());
    NodeConfig.Healing healing = config.healing();
    this.hints =
        new HintedHandoff(
            self,
            storage,
            transport,
            detector,
            clock,
            scheduler,
            healing.hintWindow(),
            healing.maxHintsPerNode(),
            config.writeTimeout(),
            () -> admission.underPressure(),
            counters);
    this.coordinator =
        new Coordinator(
            self,
            membership::topology,
            detector,
            transport,
            replica,
            hlc,
            clock,
            scheduler,
            config.readTimeout(),
            config.writeTimeout(),
            hints,
            healing.readRepairChance(),
            counters);
    this.heartbeats =
        new HeartbeatLoop(
            self, membership, transport, detector, hlc, clock, scheduler, config.heartbeatInterval());
  }

  /** Follows a change of membership: where peers are, and no hints kept for nodes gone. */
  private void onTopologyChange(Topology topology) {
    transport.learnAddresses(topology.membership().addresses());
    for (Member m : topology.membership().members()) {
      if (m.status() == MemberStatus.LEFT) {
        hints.forget(m.id());
      }
    }
  }

  /**
   * Makes this node one that joins the cluster when started: it takes its tokens, streams the
   * ranges they give it, and serves only then. Call before {@link #start()}; a node that is already
   * a member (restarted after joining) just starts.
   *
   * @throws MembershipChangeRefusedException if this node left the cluster before
   */
  public void announceJoining() {
    membership.announceJoining(config.members().get(config.nodeId()), config.clientAddress());
  }

  public void start() {
    if (membership.selfStatus() == MemberStatus.LEFT) {
      throw new MembershipChangeRefusedException(
          "n" + config.nodeId() + " left the cluster; to add it again, wipe its data directory and join it");
    }
    membership.announceAddresses(config.members().get(config.nodeId()), config.clientAddress());
    startedNanos = clock.monotonicNanos();
    scheduler.execute(heartbeats::start);
    scheduler.execute(hints::start);
    Duration every = config.healing().repairInterval();
    if (!every.isZero()) {
      scheduler.schedule(every, () -> scheduledRepair(every));
    }
    log.info(
        "n{}: started; members {}; replication factor {}, {} virtual nodes each",
        config.nodeId(),
        membership.membership(),
        config.replicationFactor(),
        config.virtualNodes());
    if (membership.selfStatus() == MemberStatus.JOINING) {
      scheduler.execute(this::joinUntilDone);
    } else {
      joined.complete(null);
    }
  }

  /** A joining node keeps trying (every few seconds) until it has joined or is stopped. */
  private void joinUntilDone() {
    if (stopped) {
      return;
    }
    membership.join().whenComplete((change, failure) -> {
      if (failure == null) {
        joined.complete(change);
      } else if (!stopped) {
        log.warn("n{}: join failed, retrying in 5 s: {}", config.nodeId(), rootMessage(failure));
        scheduler.schedule(Duration.ofSeconds(5), this::joinUntilDone);
      }
    });
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c != c.getCause()) {
      c = c.getCause();
    }
    return String.valueOf(c.getMessage());
  }

  /** Completes once this node is a normal member (at once if it never joined). */
  public CompletableFuture<MembershipChange> joined() {
    return joined;
  }

  /**
   * Streams this node's ranges to their next owners and takes it out of the cluster. Refused if
   * another member is joining or leaving, if a peer is down, or if too few nodes would remain for
   * the replication factor. The node stops gossiping once out; its process should then stop.
   */
  public CompletableFuture<MembershipChange> decommission() {
    return onLoop(() -> {
      decommissioning = true;
      return membership.decommission().whenComplete((change, failure) -> {
        if (failure == null) {
          heartbeats.stop();
        }
        decommissioning = false;
      });
    });
  }

  /** Takes a dead node out of the cluster, copying its ranges from their surviving replicas. */
  public CompletableFuture<MembershipChange> removeNode(int node) {
    return onLoop(() -> membership.remove(node));
  }

  /**
   * Whether this node has left the cluster: its decommission is complete (answered), or the
   * cluster removed it.
   */
  public boolean hasLeft() {
    return !decommissioning && membership.selfStatus() == MemberStatus.LEFT;
  }

  /**
   * Whether clients should send this node requests: it is a normal member (not joining, not
   * leaving), sees a peer (see {@link #seesAPeer()}), and, since it started, has heard from every
   * peer or waited {@link #SETTLE_HEARTBEATS} heartbeat intervals for them.
   *
   * <p>The wait is what Cassandra calls letting gossip settle. A node that has just restarted
   * knows nothing of its peers, and a peer never heard from counts as down; if it served at the
   * first answer from one peer, it would refuse requests as unavailable for want of replicas that
   * are alive and merely not heard yet.
   */
  public CompletableFuture<Boolean> readyToServe() {
    return onLoop(() -> {
      long now = clock.monotonicNanos();
      List<Integer> peers = membership.peers();
      boolean sees = peers.isEmpty() || peers.stream().anyMatch(id -> detector.isAlive(id, now));
      return CompletableFuture.completedFuture(
          sees && settled(peers, now) && membership.selfStatus() == MemberStatus.NORMAL);
    });
  }

  /** Heartbeat intervals a started node waits to hear from every peer before serving without them. */
  static final int SETTLE_HEARTBEATS = 10;

  private boolean settled(List<Integer> peers, long now) {
    if (settled) {
      return true;
    }
    List<Integer> unheard = peers.stream().filter(id -> detector.millisSinceLastHeartbeat(id, now) < 0).toList();
    long waited = now - startedNanos;
    if (startedNanos == Long.MIN_VALUE
        || !unheard.isEmpty() && waited < config.heartbeatInterval().toNanos() * SETTLE_HEARTBEATS) {
      return false;
    }
    settled = true;
    if (!unheard.isEmpty()) {
      log.info("n{}: serving without having heard from {} in {} ms since start; they count as down",
          config.nodeId(), unheard.stream().map(id -> "n" + id).toList(), waited / 1_000_000);
    }
    return true;
  }

  public void stop() {
    stopped = true;
    scheduler.execute(heartbeats::stop);
    scheduler.execute(hints::stop);
  }

  public NodeConfig config() {
    return config;
  }

  /** The ring that serves requests now. */
  public TokenRing ring() {
    return membership.topology().ring();
  }

  /**
   * Runs a client request if the node has room for it (see {@link AdmissionControl}), holding one
   * of its slots until the request completes; otherwise fails it at once with an
   * {@link OverloadedException}, having done nothing.
   *
   * @param remainingNanos how long the client will wait, {@link Long#MAX_VALUE} for no deadline
   */
  public <T> CompletableFuture<T> admitted(long remainingNanos, Supplier<CompletableFuture<T>> request) {
    return onLoop(() -> {
      AdmissionControl.Ticket ticket = admission.admit(remainingNanos);
      CompletableFuture<T> result;
      try {
        result = request.get();
      } catch (RuntimeException e) {
        admission.release(ticket);
        throw e;
      }
      result.whenComplete((value, failure) -> admission.release(ticket));
      return result;
    });
  }

  /** Requests this node coordinates now, its admission limit, and how many it has refused. */
  public CompletableFuture<AdmissionStats> admissionStats() {
    return onLoop(() -> CompletableFuture.completedFuture(
        new AdmissionStats(admission.inFlight(), admission.limit(), admission.refused())));
  }

  /** What this node did to keep replicas consistent, counted since it started. */
  public CompletableFuture<NodeCounters.Snapshot> counters() {
    return onLoop(() -> CompletableFuture.completedFuture(counters.snapshot()));
  }

  /** A snapshot of a node's admission control. */
  public record AdmissionStats(int inFlight, int limit, long refused) {}

  public CompletableFuture<ReadResult> get(String key, Consistency level, boolean trace) {
    return onLoop(
        () -> {
          config.limits().checkKey(key);
          return read(key, level, trace);
        });
  }

  private CompletableFuture<ReadResult> read(String rowKey, Consistency level, boolean trace) {
    if (level == Consistency.LINEARIZABLE) {
      return coordinator
          .linearizable(rowKey, new LinearizableAction.Read())
          .thenApply(r -> new ReadResult(r.before(), r.provenance()));
    }
    return coordinator.read(rowKey, level, trace);
  }

  /**
   * Linearizable compare-and-set of a plain key's value.
   *
   * @param expected the value the key must hold, or null for "the key must be absent"
   * @param newValue the value to set if it does
   */
  public CompletableFuture<PaxosResult> compareAndSet(String key, byte[] expected, byte[] newValue) {
    return onLoop(
        () -> {
          config.limits().checkKey(key);
          config.limits().checkMutation(Mutation.put(newValue));
          return coordinator.linearizable(key, new LinearizableAction.CompareAndSet(expected, newValue));
        });
  }

  public CompletableFuture<WriteResult> put(String key, byte[] value, Consistency level) {
    return write(key, Mutation.put(value), level, false);
  }

  public CompletableFuture<WriteResult> delete(String key, Consistency level) {
    return write(key, Mutation.deleteRow(), level, false);
  }

  public CompletableFuture<ReadResult> getProfile(String userId, Consistency level, boolean trace) {
    return onLoop(() -> read(ProfileSchema.rowKey(userId), level, trace));
  }

  /** Replaces the whole profile with the given fields. */
  public CompletableFuture<WriteResult> putProfile(
      String userId, Map<String, byte[]> fields, Consistency level) {
    return onLoop(
        () -> {
          ProfileSchema.checkFields(fields.keySet());
          return write(ProfileSchema.rowKey(userId), Mutation.replaceRow(fields), level, true);
        });
  }

  /** Sets and removes some fields, leaving the others as they are. */
  public CompletableFuture<WriteResult> updateProfile(
      String userId, Map<String, byte[]> set, List<String> unset, Consistency level) {
    return onLoop(
        () -> {
          ProfileSchema.checkFields(set.keySet());
          ProfileSchema.checkFields(unset);
          if (set.isEmpty() && unset.isEmpty()) {
            throw new InvalidRequestException("update sets and unsets nothing; name a field");
          }
          for (String field : unset) {
            if (set.containsKey(field)) {
              throw new InvalidRequestException("field '" + field + "' is both set and unset");
            }
          }
          return write(ProfileSchema.rowKey(userId), Mutation.update(set, unset), level, true);
        });
  }

  public CompletableFuture<WriteResult> deleteProfile(String userId, Consistency level) {
    return onLoop(
        () -> write(ProfileSchema.rowKey(userId), Mutation.deleteRow(), level, true));
  }

  private CompletableFuture<WriteResult> write(
      String rowKey, Mutation mutation, Consistency level, boolean profileRow) {
    return onLoop(
        () -> {
          if (profileRow) {
            config.limits().checkRowKey(rowKey);
          } else {
            config.limits().checkKey(rowKey);
          }
          config.limits().checkMutation(mutation);
          if (level == Consistency.LINEARIZABLE) {
            return coordinator
                .linearizable(rowKey, new LinearizableAction.Write(mutation))
                .thenApply(r -> new WriteResult(r.provenance()));
          }
          return coordinator.write(rowKey, mutation, level);
        });
  }

  /**
   * The membership state of a node, as this node knows it now: empty if it never was a member.
   * Readable from any thread (for deciding whether to admit a caller of the peer port).
   */
  public Optional<MemberStatus> memberStatus(int node) {
    return membership.membership().member(node).map(Member::status);
  }

  /** Timestamps beyond the clock bound this node refused, by the peer that sent them. */
  public CompletableFuture<Map<Integer, Long>> clockRefusals() {
    return onLoop(() -> CompletableFuture.completedFuture(hlc.refusedByPeer()));
  }

  /** Serves a request from a peer. */
  @SuppressWarnings("unchecked") // a heartbeat is answered by a heartbeat response
  public <R extends PeerResponse> CompletableFuture<R> handlePeer(PeerRequest<R> request) {
    return onLoop(() -> {
      if (request instanceof HeartbeatRequest heartbeat) {
        hlc.observe(heartbeat.clock(), heartbeat.from());
        return CompletableFuture.completedFuture((R) membership.onHeartbeat(heartbeat, hlc.latest()));
      }
      if (request instanceof LinearizableRequest handedOn) {
        checkHandedOn(handedOn);
        return (CompletableFuture<R>) coordinator.runHandedOn(handedOn);
      }
      if (request instanceof FetchRowsRequest) {
        // Streaming pulls pages from here: tell the puller when this node's clients need it more.
        FetchRowsResponse page = (FetchRowsResponse) replica.handle(request);
        return CompletableFuture.completedFuture((R) page.busy(admission.underPressure()));
      }
      return replica.handleDurably(request, scheduler::execute);
    });
  }

  /**
   * A peer's hand-off is checked as a client's request would be: it crossed a trust boundary, and
   * the peer may run another version with other limits.
   */
  private void checkHandedOn(LinearizableRequest request) {
    RequestLimits limits = config.limits();
    if (request.action() instanceof LinearizableAction.CompareAndSet cas) {
      limits.checkKey(request.key());
      limits.checkMutation(Mutation.put(cas.newValue()));
      if (cas.expected() != null) {
        limits.checkMutation(Mutation.put(cas.expected()));
      }
    } else {
      limits.checkRowKey(request.key());
      if (request.action() instanceof LinearizableAction.Write write) {
        Mutation m = write.mutation();
        limits.checkMutation(m);
        if (request.key().startsWith(ProfileSchema.KEY_PREFIX)) {
          ProfileSchema.checkFields(m.set().keySet());
          ProfileSchema.checkFields(m.unset());
        } else if (!m.unset().isEmpty() || !Set.of(Mutation.VALUE_CELL).containsAll(m.set().keySet())) {
          throw new InvalidRequestException("a plain key holds only its value; this write sets "
              + m.set().keySet() + " and unsets " + m.unset());
        }
      }
    }
  }

  /**
   * Whether this node's failure detector sees at least one peer alive; a node alone in its
   * cluster always does. A node that sees none is cut off (or every other node is down): it can
   * serve ONE reads of its own replicas and nothing that needs a peer.
   */
  public CompletableFuture<Boolean> seesAPeer() {
    return onLoop(
        () -> {
          long now = clock.monotonicNanos();
          List<Integer> peers = membership.peers();
          boolean any = peers.isEmpty() || peers.stream().anyMatch(id -> detector.isAlive(id, now));
          return CompletableFuture.completedFuture(any);
        });
  }

  private void scheduledRepair(Duration every) {
    if (stopped) {
      return;
    }
    if (admission.underPressure()) {
      // Background work yields to client traffic: try again in a while rather than add to a surge.
      scheduler.schedule(every.dividedBy(10).plusSeconds(1), () -> scheduledRepair(every));
      return;
    }
    coordinator.repair(config.readTimeout().multipliedBy(15), config.healing().tombstoneGrace()).whenComplete((report, failure) -> {
      if (failure != null) {
        log.warn("n{}: scheduled repair failed: {}", config.nodeId(), failure.toString());
      }
      scheduler.schedule(every, () -> scheduledRepair(every));
    });
  }

  /** Anti-entropy repair of every range this node holds a replica of. */
  public CompletableFuture<RepairReport> repair() {
    return onLoop(() -> coordinator.repair(config.readTimeout().multipliedBy(15), config.healing().tombstoneGrace()));
  }

  /** Hints this node holds for other replicas. */
  public CompletableFuture<List<PendingHints>> pendingHints() {
    return onLoop(() -> CompletableFuture.completedFuture(hints.pending()));
  }

  /** The cluster as this node's failure detector sees it. */
  public CompletableFuture<ClusterView> topology() {
    return onLoop(
        () -> {
          long now = clock.monotonicNanos();
          Topology topology = membership.topology();
          TokenRing ring = topology.ring();
          TokenRing future = topology.future();
          List<ClusterView.Member> members = new ArrayList<>();
          for (Member m : topology.membership().members()) {
            if (m.status() == MemberStatus.LEFT) {
              continue;
            }
            int id = m.id();
            boolean self = id == config.nodeId();
            List<Long> tokens = ring.nodes().contains(id) ? ring.tokensOf(id) : future.tokensOf(id);
            members.add(
                new ClusterView.Member(
                    id,
                    m.address(),
                    m.clientAddress(),
                    m.status(),
                    self || detector.isAlive(id, now),
                    self ? 0 : detector.phi(id, now),
                    tokens,
                    ring.primaryShare(id),
                    ring.replicaShare(id),
                    future.primaryShare(id),
                    future.replicaShare(id)));
          }
          return CompletableFuture.completedFuture(
              new ClusterView(config.nodeId(), config.replicationFactor(), config.virtualNodes(), members));
        });
  }

  /**
   * Runs the operation on the event loop. If already on it, runs it at once: a nested hop would
   * only add a queue turn.
   */
  private <T> CompletableFuture<T> onLoop(Supplier<CompletableFuture<T>> operation) {
    if (scheduler.inLoop()) {
      try {
        return operation.get();
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    CompletableFuture<T> result = new CompletableFuture<>();
    try {
      scheduler.execute(
          () -> {
            try {
              operation
                  .get()
                  .whenComplete(
                      (value, failure) -> {
                        if (failure != null) {
                          result.completeExceptionally(failure);
                        } else {
                          result.complete(value);
                        }
                      });
            } catch (RuntimeException e) {
              result.completeExceptionally(e);
            }
          });
    } catch (RuntimeException rejected) {
      result.completeExceptionally(rejected);
    }
    return result;
  }
}
