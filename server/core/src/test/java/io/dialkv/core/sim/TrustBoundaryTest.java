package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static io.dialkv.core.sim.SimValues.onDisk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.coordinator.ReplicasRefusedException;
import io.dialkv.core.coordinator.WriteResult;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import io.dialkv.core.membership.Member;
import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.ring.TokenSpan;
import io.dialkv.core.time.ClockOffsetException;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.RangeDigestRequest;
import io.dialkv.core.transport.RangeRowsRequest;
import io.dialkv.core.transport.LinearizableRequest;
import io.dialkv.core.transport.ReplicaWriteRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * What a node does with peer messages no honest peer sends: timestamps from the future,
 * unbeatable ballots, counts and pages without bound, gossip from a stranger, rows larger than any
 * message. Each is refused before it does anything, and the cluster serves on with every write
 * intact. (Who may send peer messages at all is the node process's business: mutual TLS.)
 */
class TrustBoundaryTest {
  private static final Timestamp YEAR_2100 = new Timestamp(4_102_444_800_000L, 0, 2);
  private static final Timestamp UNBEATABLE = new Timestamp(Long.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);

  private static String value(SimCluster cluster, int node, String key, Consistency level) {
    Cell c = cluster.await(cluster.node(node).get(key, level, false)).row().liveCells().get(Mutation.VALUE_CELL);
    return c == null ? null : new String(c.valueUnsafe(), StandardCharsets.UTF_8);
  }

  private static <T> void refused(SimCluster cluster, java.util.concurrent.CompletableFuture<T> reply,
      Class<? extends RuntimeException> as, String message) {
    assertThatThrownBy(() -> cluster.await(reply)).isInstanceOf(as).hasMessageContaining(message);
  }

  @Test
  void aCellFromTheFutureIsRefusedAndLaterWritesStillWin() {
    SimCluster cluster = SimCluster.start(3, 3, 101);
    cluster.await(cluster.node(1).put("k", b("before"), Consistency.ALL));

    for (Timestamp forged : List.of(YEAR_2100, UNBEATABLE)) {
      Row poison = Mutation.put(b("poison")).at(forged);
      refused(cluster, cluster.node(2).handlePeer(new ReplicaWriteRequest(1, "k", poison)),
          ClockOffsetException.class, "the maximum clock offset is 500 ms");
      refused(cluster, cluster.node(3).handlePeer(
          new CommitRequest(1, "k", new Proposal(forged, poison))), ClockOffsetException.class, "ahead of n3's clock");
    }
    cluster.await(cluster.node(1).put("k", b("after"), Consistency.ALL));

    assertThat(value(cluster, 2, "k", Consistency.ALL)).isEqualTo("after");
    for (int node = 1; node <= 3; node++) {
      assertThat(onDisk(cluster, node, "k")).isEqualTo("after");
    }
    // Counted per sender: two forged writes at n2, two forged commits at n3.
    assertThat(cluster.await(cluster.node(2).clockRefusals())).isEqualTo(Map.of(1, 2L));
    assertThat(cluster.await(cluster.node(3).clockRefusals())).isEqualTo(Map.of(1, 2L));
  }

  @Test
  void aHeartbeatFromTheFutureMovesNoClock() {
    SimCluster cluster = SimCluster.start(3, 3, 102);
    refused(cluster, cluster.node(1).handlePeer(new HeartbeatRequest(2, YEAR_2100, 0, List.of())),
        ClockOffsetException.class, "more than a year ahead");

    WriteResult w = cluster.await(cluster.node(1).put("k", b("v"), Consistency.QUORUM));
    long wall = cluster.clock(1).physicalMillis();
    assertThat(w.provenance().writeTimestamp().physicalMillis()).isBetween(wall - 1000, wall + 500);
  }

  @Test
  void anUnbeatableBallotIsNeverPromised() {
    SimCluster cluster = SimCluster.start(3, 3, 103);
    for (int node = 2; node <= 3; node++) {
      refused(cluster, cluster.node(node).handlePeer(new PrepareRequest(1, "name/ada", UNBEATABLE)),
          ClockOffsetException.class, "ahead of n" + node);
    }
    assertThat(cluster.await(cluster.node(1).compareAndSet("name/ada", null, b("u1"))).applied()).isTrue();
    assertThat(value(cluster, 3, "name/ada", Consistency.LINEARIZABLE)).isEqualTo("u1");
  }

  @Test
  void aNodeWhoseClockIsFarAheadIsRefusedByItsPeers() {
    SimCluster cluster = SimCluster.start(3, 3, 104);
    cluster.clock(1).skew(Duration.ofMinutes(10));

    // As the preferred proposer of a key its ballots are refused. Another key's operations it
    // hands to their proposer, whose clock stamps them.
    String ownKey = cluster.keyFirstOn(1, "name/bob");
    refused(cluster, cluster.node(1).put(ownKey, b("x"), Consistency.LINEARIZABLE),
        ReplicasRefusedException.class, "ahead of n");
    String othersKey = cluster.keyFirstOn(2, "name/eve");
    long wall = cluster.clock(2).physicalMillis();
    WriteResult handedOn = cluster.await(cluster.node(1).put(othersKey, b("x"), Consistency.LINEARIZABLE));
    assertThat(handedOn.provenance().coordinator()).isEqualTo(2);
    assertThat(handedOn.provenance().writeTimestamp().physicalMillis()).isBetween(wall, wall + 1000);
    // Its heartbeats are refused too: its peers soon see it down, and it sees them down.
    cluster.awaitSeen(2, 1, false);
    cluster.awaitSeen(1, 2, false);
    assertThat(cluster.await(cluster.node(2).put("name/bob", b("y"), Consistency.QUORUM))).isNotNull();
    assertThat(value(cluster, 3, "name/bob", Consistency.QUORUM)).isEqualTo("y");
    assertThat(cluster.await(cluster.node(2).clockRefusals()).get(1)).isPositive();
  }

  @Test
  void requestsWithoutBoundsAreRefused() {
    SimCluster cluster = SimCluster.start(3, 3, 105);
    int ranges = cluster.node(1).ring().rangeCount();
    refused(cluster, cluster.node(1).handlePeer(new RangeDigestRequest(2,
        IntStream.range(0, 1_000_000).boxed().toList())), InvalidRequestException.class,
        "1000000 ranges; the ring has " + ranges);
    refused(cluster, cluster.node(1).handlePeer(new RangeDigestRequest(2, List.of(ranges + 5))),
        InvalidRequestException.class, "does not exist");
    refused(cluster, cluster.node(1).handlePeer(new RangeRowsRequest(2, List.of(-1L), "", 1 << 20)),
        InvalidRequestException.class, "leaf -1 does not exist");
    refused(cluster, cluster.node(1).handlePeer(new FetchRowsRequest(2, List.of(new TokenSpan(0, 0)), "",
        Integer.MAX_VALUE)), InvalidRequestException.class, "pages are 1 to 1048576");
    refused(cluster, cluster.node(1).handlePeer(new ReplicaWriteRequest(2, "k".repeat(300),
        Mutation.put(b("v")).at(new Timestamp(1, 0, 2)))), InvalidRequestException.class, "key is 300 bytes, limit 256");
    Row huge = Mutation.update(Map.of("a", new byte[1 << 20], "b", new byte[1 << 20], "c", new byte[1 << 20]),
        List.of()).at(new Timestamp(1, 0, 2));
    refused(cluster, cluster.node(1).handlePeer(new ReplicaWriteRequest(2, "k", huge)),
        InvalidRequestException.class, "limit 2097152");
    Row bigCell = Mutation.put(new byte[(1 << 20) + 1]).at(new Timestamp(1, 0, 2));
    refused(cluster, cluster.node(1).handlePeer(new ReplicaWriteRequest(2, "k", bigCell)),
        InvalidRequestException.class, "has a value of 1048577 bytes, limit 1048576");
    // A linearizable operation handed on by a peer is checked as a client's request is.
    refused(cluster, cluster.node(1).handlePeer(new LinearizableRequest(2, "k".repeat(300),
        new LinearizableAction.Read())), InvalidRequestException.class, "key is 300 bytes, limit 256");
    refused(cluster, cluster.node(1).handlePeer(new LinearizableRequest(2, "k",
        new LinearizableAction.CompareAndSet(new byte[(1 << 20) + 1], b("v")))),
        InvalidRequestException.class, "limit 1048576");
    refused(cluster, cluster.node(1).handlePeer(new LinearizableRequest(2, "profile/ada",
        new LinearizableAction.CompareAndSet(null, b("v")))), InvalidRequestException.class, "hold user profiles");
    refused(cluster, cluster.node(1).handlePeer(new LinearizableRequest(2, "k",
        new LinearizableAction.Write(Mutation.update(Map.of("a", new byte[1 << 20], "b", new byte[1 << 20],
            "c", new byte[1 << 20]), List.of())))), InvalidRequestException.class, "limit");
    refused(cluster, cluster.node(1).handlePeer(new LinearizableRequest(2, "k",
        new LinearizableAction.Write(Mutation.update(Map.of("admin", b("yes")), List.of())))),
        InvalidRequestException.class, "a plain key holds only its value");
    refused(cluster, cluster.node(1).handlePeer(new LinearizableRequest(2, "profile/ada",
        new LinearizableAction.Write(Mutation.update(Map.of("no-such-field", b("x")), List.of())))),
        InvalidRequestException.class, "no-such-field");
  }

  @Test
  void aStrangersGossipCanIntroduceOnlyItself() {
    SimCluster cluster = SimCluster.start(3, 3, 106);
    List<Member> forged = List.of(
        new Member(9, "evil:9", "evil:9", MemberStatus.JOINING, 1),
        new Member(2, "evil:2", "evil:2", MemberStatus.NORMAL, 99), // moving a member
        new Member(3, "sim:3", "client:sim:3", MemberStatus.LEFT, 99), // evicting one
        new Member(50, "evil:50", "evil:50", MemberStatus.NORMAL, 1)); // a phantom
    cluster.await(cluster.node(1).handlePeer(new HeartbeatRequest(9, new Timestamp(1, 0, 9), 0, forged)));

    assertThat(cluster.node(1).memberStatus(2)).contains(MemberStatus.NORMAL);
    assertThat(cluster.node(1).memberStatus(3)).contains(MemberStatus.NORMAL);
    assertThat(cluster.node(1).memberStatus(50)).isEmpty();
    assertThat(cluster.node(1).memberStatus(9)).contains(MemberStatus.JOINING);
    assertThat(cluster.await(cluster.node(1).topology()).nodes().stream()
        .filter(m -> m.nodeId() == 2).findFirst().orElseThrow().address()).isEqualTo("sim:2");
    // A joiner that never comes is removed like any node that died while joining.
    cluster.await(cluster.node(1).removeNode(9));
    assertThat(cluster.node(1).memberStatus(9)).contains(MemberStatus.LEFT);
  }

  @Test
  void aRowCannotOutgrowTheMessagesThatCarryIt() {
    SimCluster cluster = SimCluster.start(3, 3, 107);
    String big = "x".repeat(900_000);
    for (String field : List.of("bio", "attributes.a")) {
      cluster.await(cluster.node(1).updateProfile("u1", Map.of(field, b(big)), List.of(), Consistency.ALL));
    }
    refused(cluster, cluster.node(1).updateProfile("u1", Map.of("attributes.b", b(big)), List.of(), Consistency.ALL),
        InvalidRequestException.class, "limit 2097152 per row");

    // The row that exists reads at every level and repairs.
    for (Consistency level : List.of(Consistency.ONE, Consistency.QUORUM, Consistency.ALL)) {
      assertThat(cluster.await(cluster.node(2).getProfile("u1", level, false)).row().liveCells())
          .containsOnlyKeys("bio", "attributes.a");
    }
    assertThat(cluster.await(cluster.node(3).repair()).complete()).isTrue();
  }

  @Test
  void aWriteThatLosesLastWriteWinsSaysSo() {
    SimCluster cluster = SimCluster.start(5, 3, 108);
    String key = "lww";
    List<Integer> replicas = cluster.node(1).ring().replicasFor(key);
    int ahead = replicas.get(0);
    int outsider = cluster.nodeIds().stream().filter(n -> !replicas.contains(n)).findFirst().orElseThrow();
    // Within the bound, so accepted: the replicas keep its write over a later one from a slower clock.
    cluster.clock(ahead).skew(Duration.ofMillis(400));
    cluster.await(cluster.node(ahead).put(key, b("from-the-fast-clock"), Consistency.ALL));
    WriteResult later = cluster.await(cluster.node(outsider).put(key, b("later-but-older"), Consistency.ALL));

    assertThat(later.provenance().superseded()).isTrue();
    assertThat(later.provenance().replies()).allMatch(r -> r.aheadOfResult()
        && r.newest().isAfter(later.provenance().writeTimestamp()));
    assertThat(value(cluster, outsider, key, Consistency.ALL)).isEqualTo("from-the-fast-clock");
    WriteResult next = cluster.await(cluster.node(ahead).put("other", b("x"), Consistency.ALL));
    assertThat(next.provenance().superseded()).isFalse();
  }
}
