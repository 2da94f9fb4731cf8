package io.dialkv.core.membership;

import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.ring.TokenSpan;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.HeartbeatResponse;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's view of who is in the cluster, kept current by gossip on the heartbeats, and the
 * procedures that change it: a node joining, a node leaving (decommission), a dead node removed.
 *
 * <p>Every change goes the same way: the changing member's record moves to a transitional state
 * (joining or leaving), which adds a future ring and pending replicas (see {@link Topology}); once
 * every live node has the new record and writes started before it have had time to finish, the
 * ranges that change owner are streamed to their new owners; then the record moves on (to normal, or
 * left) and the future ring becomes the current one. The cluster makes one such change at a time.
 *
 * <p>Used only on the node's event loop.
 */
public final class ClusterMembership {
  private static final Logger log = LoggerFactory.getLogger(ClusterMembership.class);
  /** How long a change waits for every live node to learn of it before giving up. */
  static final Duration AGREEMENT_LIMIT = Duration.ofSeconds(30);

  private final int selfId;
  private final int virtualNodes;
  private final int replicationFactor;
  private final Storage storage;
  private final FailureDetector detector;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Duration pollInterval;
  private final Duration writeTimeout;
  private final RangeStreamer streamer;
  private final Consumer<Topology> onChange;
  // The digest of each peer's membership, from its last heartbeat or reply.
  private final Map<Integer, Long> peerDigests = new HashMap<>();
  private volatile Topology topology;
  private boolean changeInProgress;

  /**
   * @param initial the membership to start from: the configured members, merged with what this
   *     node saved before it last stopped
   * @param foregroundBusy whether this node's clients press (streaming waits for them, a little)
   * @param onChange told of every new topology (this node's and gossip's changes alike)
   */
  public ClusterMembership(
      int selfId,
      Membership initial,
      int virtualNodes,
      int replicationFactor,
      Storage storage,
      Transport transport,
      ReplicaHandler local,
      FailureDetector detector,
      Clock clock,
      Scheduler scheduler,
      Duration pollInterval,
      Duration writeTimeout,
      BooleanSupplier foregroundBusy,
      Consumer<Topology> onChange,
      NodeCounters counters) {
    this.selfId = selfId;
    this.virtualNodes = virtualNodes;
    this.replicationFactor = replicationFactor;
    this.storage = storage;
    this.detector = detector;
    this.clock = clock;
    this.scheduler = scheduler;
    this.pollInterval = pollInterval;
    this.writeTimeout = writeTimeout;
    this.streamer = new RangeStreamer(selfId, local, transport, writeTimeout.multipliedBy(5), scheduler,
        foregroundBusy, counters);
    this.onChange = onChange;
    this.topology = Topology.of(initial, virtualNodes, replicationFactor);
  }

  /** The members as saved by {@link Storage#saveMembers}, merged over the configured ones. */
  public static Membership restore(Map<Integer, String> configured, Storage storage) {
    return Membership.initial(configured).merge(storage.savedMembers());
  }

  public Topology topology() {
    return topology;
  }

  public Membership membership() {
    return topology.membership();
  }

  public MemberStatus selfStatus() {
    return membership().member(selfId).map(Member::status).orElse(MemberStatus.LEFT);
  }

  /** The peers to heartbeat: every member that has not left. */
  public List<Integer> peers() {
    return membership().peersOf(selfId);
  }

  // ---------------------------------------------------------------- gossip

  /** The heartbeat for a peer: with the whole membership if the peer's last digest differs. */
  public HeartbeatRequest heartbeatTo(int peer, Timestamp clock) {
    Membership m = membership();
    Long theirs = peerDigests.get(peer);
    boolean differ = theirs == null || theirs != m.digest();
    return new HeartbeatRequest(selfId, clock, m.digest(), differ ? List.copyOf(m.members()) : List.of());
  }

  /**
   * Merges what a peer's heartbeat carries, and answers it. What a node may say depends on what it
   * is (see {@link #trustedGossip}).
   */
  public HeartbeatResponse onHeartbeat(HeartbeatRequest request, Timestamp clock) {
    List<Member> gossip = trustedGossip(request.from(), request.members());
    if (!gossip.isEmpty()) {
      adopt(membership().merge(gossip), "n" + request.from());
    }
    Membership m = membership();
    peerDigests.put(request.from(), request.membershipDigest());
    boolean differ = request.membershipDigest() != m.digest();
    return new HeartbeatResponse(selfId, clock, m.digest(), differ ? List.copyOf(m.members()) : List.of());
  }

  /** Merges what a peer's reply to our heartbeat carries; the reply must be from that peer. */
  public void onHeartbeatReply(int peer, HeartbeatResponse reply) {
    if (reply.nodeId() != peer) {
      return;
    }
    List<Member> gossip = trustedGossip(peer, reply.members());
    if (!gossip.isEmpty()) {
      adopt(membership().merge(gossip), "n" + peer);
    }
    peerDigests.put(peer, reply.membershipDigest());
  }

  /**
   * The records of gossip from {@code sender} this node takes. A member's word about the whole
   * membership is taken (members relay each other's records); a node that is joining or has left,
   * only about itself; a node that is no member at all, only that it is joining. So a node about to
   * join, or one that left, can neither add, move nor remove anyone else.
   */
  private List<Member> trustedGossip(int sender, List<Member> records) {
    Optional<Member> known = membership().member(sender);
    MemberStatus status = known.map(Member::status).orElse(null);
    if (status == MemberStatus.NORMAL || status == MemberStatus.LEAVING) {
      return records;
    }
    return records.stream()
        .filter(m -> m.id() == sender && (status != null || m.status() == MemberStatus.JOINING))
        .toList();
  }

  private void change(Member record) {
    adopt(membership().with(record), "this node");
  }

  private void adopt(Membership next, String source) {
    Membership before = membership();
    if (next == before) {
      return;
    }
    Topology nextTopology;
    try {
      nextTopology = Topology.of(next, virtualNodes, replicationFactor);
    } catch (IllegalArgumentException e) {
      log.error("n{}: ignoring membership from {} that makes no ring ({}): {}", selfId, source, e.getMessage(), next);
      return;
    }
    for (Member m : next.members()) {
      Optional<Member> old = before.member(m.id());
      if (old.isEmpty() || old.get().status() != m.status()) {
        log.info("n{}: n{} ({}) is {}{} (learned from {})", selfId, m.id(), m.address(), m.status().label(),
            old.map(o -> ", was " + o.status().label()).orElse(", new member"), source);
      }
    }
    boolean ringChanged = !nextTopology.ring().nodes().equals(topology.ring().nodes());
    topology = nextTopology;
    storage.saveMembers(List.copyOf(next.members()));
    if (ringChanged) {
      // Repair history is kept by range number, and range numbers belong to a ring.
      storage.putRepairedRanges(Map.of());
    }
    onChange.accept(nextTopology);
  }

  // ---------------------------------------------------------------- changes

  /**
   * Makes this node a member that joins: from now on it gets the writes of the ranges it will own.
   * Call before the node starts, then {@link #join()}. A node already a member stays as it is.
   */
  public void announceJoining(String address, String clientAddress) {
    // Only what this node saved counts: its configured members list it too, as a plain member.
    Optional<Member> saved = storage.savedMembers().stream().filter(m -> m.id() == selfId).findFirst();
    if (saved.isPresent() && saved.get().status() != MemberStatus.JOINING) {
      if (saved.get().status() == MemberStatus.LEFT) {
        throw new MembershipChangeRefusedException("n" + selfId + " left the cluster; wipe its data directory to join again");
      }
      return;
    }
    long version = membership().member(selfId).map(Member::version).orElse(0L) + 1;
    change(new Member(selfId, address, clientAddress, MemberStatus.JOINING, version));
  }

  /**
   * Makes this node's record say where it is now, for peers and for clients: a new cluster's
   * members know each other only by the peer addresses they were configured with, and a node may
   * come back at another address. Nothing changes if the record already says so.
   */
  public void announceAddresses(String address, String clientAddress) {
    Optional<Member> self = membership().member(selfId);
    if (self.isEmpty() || self.get().status() == MemberStatus.LEFT) {
      return;
    }
    if (!self.get().address().equals(address) || !self.get().clientAddress().equals(clientAddress)) {
      change(self.get().at(address, clientAddress));
    }
  }

  /**
   * Joins the cluster: waits until every live node knows this one is joining, streams the ranges it
   * will own from the nodes that own them now, then becomes normal and serves them.
   */
  public CompletableFuture<MembershipChange> join() {
    Member self = membership().member(selfId).orElseThrow();
    if (self.status() != MemberStatus.JOINING) {
      return CompletableFuture.failedFuture(
          new MembershipChangeRefusedException("n" + selfId + " is " + self.status().label() + ", not joining"));
    }
    log.info("n{}: joining the cluster; waiting for every live node to learn of it", selfId);
    // Only the spans this node gains: another node joining at the same time streams its own.
    return runChange(self, MemberStatus.NORMAL,
        () -> transfersFromTopology().stream().filter(t -> t.target() == selfId).toList());
  }

  /** Streams this node's ranges to their next owners, then leaves the cluster. */
  public CompletableFuture<MembershipChange> decommission() {
    try {
      Member self = membership().member(selfId).orElseThrow();
      refuseUnlessChangeable(self, "decommission");
      refuseIfAnyPeerDown("decommission n" + selfId, selfId);
      log.info("n{}: decommissioning: streaming its ranges to their next owners", selfId);
      change(self.to(MemberStatus.LEAVING));
      return runChange(membership().member(selfId).orElseThrow(), MemberStatus.LEFT, this::transfersFromTopology);
    } catch (MembershipChangeRefusedException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Removes a dead node: its ranges are copied from their surviving replicas to their next owners,
   * then it is out of the ring. For a node that is up, decommission it instead.
   */
  public CompletableFuture<MembershipChange> remove(int node) {
    try {
      if (node == selfId) {
        throw new MembershipChangeRefusedException("n" + selfId + " cannot remove itself; decommission it instead");
      }
      Member target = membership().member(node).orElseThrow(() -> new MembershipChangeRefusedException(
          "n" + node + " is not a member; members are " + membership().ids(s -> s != MemberStatus.LEFT)));
      if (detector.isAlive(node, clock.monotonicNanos())) {
        throw new MembershipChangeRefusedException(
            "n" + node + " is up; decommission it (dialkv node decommission " + node + ") so it streams its own ranges");
      }
      if (target.status() == MemberStatus.JOINING) {
        // A join abandoned half way: the node owns nothing yet, so it just goes.
        log.info("n{}: removing n{}, which died while joining", selfId, node);
        change(target.to(MemberStatus.LEFT));
        return CompletableFuture.completedFuture(
            new MembershipChange(node, MemberStatus.LEFT, List.of(), 0, 0, 0, 0));
      }
      refuseUnlessChangeable(target, "remove");
      refuseIfAnyPeerDown("remove n" + node, node);
      log.info("n{}: removing dead n{}: copying its ranges from their surviving replicas", selfId, node);
      change(target.to(MemberStatus.LEAVING));
      return runChange(membership().member(node).orElseThrow(), MemberStatus.LEFT, this::transfersFromTopology);
    } catch (MembershipChangeRefusedException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private void refuseUnlessChangeable(Member target, String action) {
    if (target.status() != MemberStatus.NORMAL) {
      throw new MembershipChangeRefusedException(
          "cannot " + action + " n" + target.id() + ": it is " + target.status().label());
    }
    Optional<Member> other = membership().changing();
    if (other.isPresent() || changeInProgress) {
      throw new MembershipChangeRefusedException(
          "cannot " + action + " n" + target.id() + ": "
              + other.map(m -> "n" + m.id() + " is " + m.status().label()).orElse("another change is in progress")
              + "; the cluster makes one membership change at a time");
    }
    int remaining = membership().ids(MemberStatus::ownsRanges).size() - 1;
    if (remaining < replicationFactor) {
      throw new MembershipChangeRefusedException(
          "cannot " + action + " n" + target.id() + ": the " + remaining + " nodes left could not hold "
              + replicationFactor + " replicas of each key (replication factor " + replicationFactor
              + "), so n" + target.id() + " holds the last place for a replica of every range; add a node first");
    }
  }

  private void refuseIfAnyPeerDown(String action, int except) {
    long now = clock.monotonicNanos();
    List<Integer> down = peers().stream().filter(p -> p != except && !detector.isAlive(p, now)).toList();
    if (!down.isEmpty()) {
      throw new MembershipChangeRefusedException(
          "cannot " + action + " while " + down.stream().map(n -> "n" + n).toList()
              + " down: the ranges' next owners must be up to receive them; bring them back or remove them first");
    }
  }

  /**
   * For every span that changes owner, a stream to each node gaining it: from the nodes losing it
   * if one is alive (they hold what only they may have), else from every live node that keeps it.
   */
  private List<RangeStreamer.Transfer> transfersFromTopology() {
    Topology now = topology;
    long at = clock.monotonicNanos();
    Map<List<Integer>, List<TokenSpan>> spansByPair = new LinkedHashMap<>();
    for (TokenRing.Movement move : now.ring().movementsTo(now.future())) {
      List<Integer> sources = move.lost().stream().filter(n -> isAlive(n, at)).toList();
      if (sources.isEmpty()) {
        sources = move.before().stream().filter(n -> move.after().contains(n) && isAlive(n, at)).toList();
      }
      for (int target : move.gained()) {
        for (int source : sources) {
          spansByPair.computeIfAbsent(List.of(source, target), k -> new ArrayList<>()).add(move.span());
        }
      }
    }
    List<RangeStreamer.Transfer> transfers = new ArrayList<>();
    spansByPair.forEach((pair, spans) -> transfers.add(new RangeStreamer.Transfer(pair.get(0), pair.get(1), spans)));
    return transfers;
  }

  private boolean isAlive(int node, long now) {
    return node == selfId || detector.isAlive(node, now);
  }

  /**
   * The common course of a change whose transitional record is already set: agreement, a pause
   * for writes in flight, streaming, the final record, agreement again. On failure the record goes
   * back to what it was before (a joining node keeps trying).
   */
  private CompletableFuture<MembershipChange> runChange(
      Member transitional, MemberStatus finalStatus, Supplier<List<RangeStreamer.Transfer>> plan) {
    changeInProgress = true;
    // A dead node being removed cannot learn of its removal; every other member must.
    Set<Integer> excused = transitional.id() == selfId ? Set.of() : Set.of(transitional.id());
    long start = clock.monotonicNanos();
    List<Integer> sources = new ArrayList<>();
    long[] streamStart = {0};
    long[] yieldsBefore = {0};
    CompletableFuture<MembershipChange> done = awaitAgreement(excused)
        .thenCompose(agreed -> after(writeTimeout))
        .thenCompose(paused -> {
          List<RangeStreamer.Transfer> transfers = plan.get();
          sources.addAll(RangeStreamer.sources(transfers));
          streamStart[0] = clock.monotonicNanos();
          yieldsBefore[0] = streamer.yields();
          return streamer.run(transfers);
        })
        .thenCompose(totals -> {
          Member current = membership().member(transitional.id()).orElseThrow();
          change(current.to(finalStatus));
          long now = clock.monotonicNanos();
          MembershipChange result = new MembershipChange(transitional.id(), finalStatus, List.copyOf(sources),
              totals.rows(), totals.bytes(), (now - streamStart[0]) / 1_000_000, (now - start) / 1_000_000);
          // A departure must reach everyone before the node goes; a join is served already.
          return (finalStatus == MemberStatus.LEFT ? awaitAgreement(excused).exceptionally(e -> null)
                  : CompletableFuture.<Void>completedFuture(null))
              .thenApply(v -> result);
        });
    return done.whenComplete((result, failure) -> {
      changeInProgress = false;
      if (failure == null) {
        log.info("n{}: n{} is now {}: streamed {} rows (~{} bytes) from {} in {} ms ({} ms in all, {} ms of it "
                + "yielding to clients); ring shares now {}",
            selfId, result.nodeId(), finalStatus.label(), result.rowsStreamed(), result.bytesStreamed(),
            sources.stream().map(n -> "n" + n).toList(), result.streamMillis(), result.millis(),
            (streamer.yields() - yieldsBefore[0]) * RangeStreamer.YIELD_STEP.toMillis(), shares());
      } else if (transitional.status() == MemberStatus.LEAVING) {
        Member current = membership().member(transitional.id()).orElseThrow();
        if (current.status() == MemberStatus.LEAVING) {
          log.warn("n{}: {} of n{} failed, it stays a normal member: {}", selfId,
              transitional.id() == selfId ? "decommission" : "removal", transitional.id(), failure.toString());
          change(current.to(MemberStatus.NORMAL));
        }
      }
    });
  }

  /** Primary ring share of each node in the current ring, for logs. */
  private String shares() {
    TokenRing ring = topology.ring();
    StringBuilder s = new StringBuilder();
    for (int node : ring.nodes()) {
      s.append(s.length() == 0 ? "" : ", ").append('n').append(node).append(' ')
          .append(String.format("%.1f%%", 100 * ring.primaryShare(node)));
    }
    return s.toString();
  }

  /**
   * Completes once every peer but the excused has told us a membership digest equal to ours. A
   * peer that is down blocks the change (as Cassandra's consistent range movement does): it could
   * come back and coordinate writes on the old ring while the ranges move.
   */
  private CompletableFuture<Void> awaitAgreement(Set<Integer> excused) {
    CompletableFuture<Void> agreed = new CompletableFuture<>();
    long deadline = clock.monotonicNanos() + AGREEMENT_LIMIT.toNanos();
    pollAgreement(agreed, deadline, excused);
    return agreed;
  }

  private void pollAgreement(CompletableFuture<Void> agreed, long deadline, Set<Integer> excused) {
    long now = clock.monotonicNanos();
    long digest = membership().digest();
    List<Integer> behind = peers().stream()
        .filter(p -> !excused.contains(p) && !Long.valueOf(digest).equals(peerDigests.get(p)))
        .toList();
    if (behind.isEmpty()) {
      agreed.complete(null);
    } else if (now > deadline) {
      agreed.completeExceptionally(new MembershipChangeRefusedException(
          behind.stream().map(n -> "n" + n + (detector.isAlive(n, now) ? "" : " (down)")).toList()
              + " did not learn of the change within " + AGREEMENT_LIMIT.toSeconds()
              + " s; every member must be up while ranges move (remove a dead one first)"));
    } else {
      scheduler.schedule(pollInterval, () -> pollAgreement(agreed, deadline, excused));
    }
  }

  private CompletableFuture<Void> after(Duration delay) {
    CompletableFuture<Void> later = new CompletableFuture<>();
    scheduler.schedule(delay, () -> later.complete(null));
    return later;
  }
}
