package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.coordinator.PaxosResult;
import io.dialkv.core.coordinator.ReadResult;
import io.dialkv.core.coordinator.UnavailableException;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosState;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.ProposeRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** LINEARIZABLE on simulated clusters: Paxos under competition, partitions and skewed clocks. */
class LinearizableTest {

  private static String value(ReadResult r) {
    Cell c = r.row().liveCells().get(Mutation.VALUE_CELL);
    return c == null ? null : new String(c.valueUnsafe(), StandardCharsets.UTF_8);
  }

  @Test
  void compareAndSetAppliesOnlyFromTheExpectedValue() {
    SimCluster cluster = SimCluster.start(5, 3, 11);
    PaxosResult first = cluster.await(cluster.node(1).compareAndSet("user-name/ada", null, b("u1")));
    PaxosResult second = cluster.await(cluster.node(2).compareAndSet("user-name/ada", null, b("u2")));

    assertThat(first.applied()).isTrue();
    assertThat(second.applied()).isFalse();
    assertThat(second.before().liveCells().get("value").valueUnsafe()).isEqualTo(b("u1"));
    assertThat(first.provenance().paxos().rounds()).isEqualTo(1);
    assertThat(first.provenance().paxos().accepted()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(value(cluster.await(cluster.node(3).get("user-name/ada", Consistency.LINEARIZABLE, false))))
        .isEqualTo("u1");
    // Committed values land in the row store: QUORUM sees them too.
    assertThat(value(cluster.await(cluster.node(4).get("user-name/ada", Consistency.QUORUM, false)))).isEqualTo("u1");
  }

  @Test
  void onlyOneOfManyConcurrentClaimsWins() {
    SimCluster cluster = SimCluster.start(5, 3, 12);
    List<CompletableFuture<PaxosResult>> claims = new ArrayList<>();
    for (int node = 1; node <= 5; node++) {
      claims.add(cluster.node(node).compareAndSet("username/bob", null, b("claimed-by-" + node)));
    }
    int winners = 0;
    for (CompletableFuture<PaxosResult> claim : claims) {
      try {
        PaxosResult r = cluster.await(claim);
        if (r.applied()) {
          winners++;
        }
      } catch (RuntimeException contention) {
        // gave up under contention, or indeterminate: never a second winner
      }
    }
    assertThat(winners).isEqualTo(1);
    String owner = value(cluster.await(cluster.node(1).get("username/bob", Consistency.LINEARIZABLE, false)));
    assertThat(owner).startsWith("claimed-by-");
  }

  @Test
  void theMinoritySideFailsTheMajoritySideSucceedsAndAllAgreeAfterTheHeal() {
    SimCluster cluster = SimCluster.start(5, 3, 13);
    String key = "k";
    List<Integer> replicas = cluster.node(1).ring().replicasFor(key);
    int lonely = replicas.get(0);
    cluster.network().isolate(lonely, cluster.nodeIds());
    for (int other : cluster.nodeIds()) {
      if (other != lonely) {
        cluster.awaitSeen(lonely, other, false);
        cluster.awaitSeen(other, lonely, false);
      }
    }
    assertThatThrownBy(() -> cluster.await(cluster.node(lonely).put(key, b("minority"), Consistency.LINEARIZABLE)))
        .isInstanceOf(UnavailableException.class);
    int majoritySide = replicas.get(1);
    cluster.await(cluster.node(majoritySide).put(key, b("majority"), Consistency.LINEARIZABLE));

    cluster.network().heal();
    cluster.awaitAllUp();
    for (int node : cluster.nodeIds()) {
      assertThat(value(cluster.await(cluster.node(node).get(key, Consistency.LINEARIZABLE, false))))
          .as("n" + node).isEqualTo("majority");
    }
  }

  @Test
  void aProposalAcceptedByOnlySomeReplicasIsNeverSeenAndThenUnseen() {
    SimCluster cluster = SimCluster.start(3, 3, 14);
    // n1 proposes, but its messages to n3 are lost and n1 crashes before commit reaches anyone:
    // simulate by cutting n1 from n2 and n3 right after it starts.
    CompletableFuture<?> doomed = cluster.node(1).put("k", b("maybe"), Consistency.LINEARIZABLE);
    cluster.runFor(Duration.ofMillis(3)); // prepare round-trips take ~2-4 ms in the simulation
    cluster.crash(1);
    assertThat(doomed.isDone()).isFalse();
    // The write never answered, so it may take effect at any moment, also after a read that did
    // not see it (its proposal may still be on its way to a replica; reads do not seal their
    // ballots). But once a read has seen it, every later read does: successive reads go from
    // absent to "maybe" at most once, never back, and QUORUM agrees with the last of them.
    List<String> reads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      reads.add(value(cluster.await(cluster.node(2 + i % 2).get("k", Consistency.LINEARIZABLE, false))));
    }
    int firstSeen = reads.indexOf("maybe");
    if (firstSeen >= 0) {
      assertThat(reads.subList(firstSeen, reads.size())).as(reads.toString()).containsOnly("maybe");
    }
    assertThat(reads).as(reads.toString()).allMatch(r -> r == null || r.equals("maybe"));
    assertThat(value(cluster.await(cluster.node(2).get("k", Consistency.QUORUM, false))))
        .isEqualTo(reads.get(reads.size() - 1));
  }

  @Test
  void ballotsDoNotTrustClocks() {
    // Clocks twenty minutes apart, with a maximum offset that tolerates them: Paxos orders the
    // writes by its rounds, not by the clocks. (With the default bound such nodes are refused:
    // TrustBoundaryTest.)
    SimCluster cluster = SimCluster.start(5, 15, c -> c.withReplicationFactor(3).withMaxClockOffset(Duration.ofHours(1)));
    cluster.clock(1).skew(Duration.ofMinutes(10)); // n1 far ahead
    cluster.await(cluster.node(1).put("k", b("from-the-future"), Consistency.LINEARIZABLE));
    cluster.clock(2).skew(Duration.ofMinutes(-10)); // n2 far behind
    cluster.await(cluster.node(2).put("k", b("later"), Consistency.LINEARIZABLE));
    // The later write wins although its node's clock is 20 minutes behind the earlier one's.
    assertThat(value(cluster.await(cluster.node(3).get("k", Consistency.LINEARIZABLE, false)))).isEqualTo("later");
    assertThat(value(cluster.await(cluster.node(4).get("k", Consistency.QUORUM, false)))).isEqualTo("later");
  }

  /** Round trips of one operation, with every one-way hop taking exactly 5 ms of virtual time. */
  private static final Duration HOP = Duration.ofMillis(5);

  private static long elapsedMillis(SimCluster cluster, Runnable operation) {
    long start = cluster.world().nowNanos();
    operation.run();
    return (cluster.world().nowNanos() - start) / 1_000_000;
  }

  /** The Paxos and replica messages nodes sent each other (heartbeats left out). */
  private static Map<String, Integer> operationMessages(SimCluster cluster) {
    Map<String, Integer> counts = new TreeMap<>(cluster.network().takeSentCounts());
    counts.keySet().removeIf(kind -> kind.startsWith("Heartbeat"));
    return counts;
  }

  @Test
  void anUncontendedReadTakesOneRoundTripAndAWriteTwo() {
    SimCluster cluster = SimCluster.start(3, 3, 16);
    String key = cluster.keyFirstOn(1, "k"); // n1 is the key's preferred proposer
    cluster.network().setLatency(HOP, Duration.ZERO);
    cluster.await(cluster.node(1).put(key, b("v1"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(100)); // let what the write left in flight land
    cluster.network().takeSentCounts();

    // A read: the promises carry the rows, and with nothing in flight nothing is proposed. The
    // coordinator is a replica: its own promise takes no network, and with it one more makes the
    // majority: one prepare goes out, one hop each way.
    String[] read = new String[1];
    long readMillis = elapsedMillis(cluster,
        () -> read[0] = value(cluster.await(cluster.node(1).get(key, Consistency.LINEARIZABLE, false))));
    assertThat(read[0]).isEqualTo("v1");
    assertThat(operationMessages(cluster)).containsExactly(Map.entry("PrepareRequest", 1));
    assertThat(readMillis).isEqualTo(2 * HOP.toMillis()); // four round trips before (prepare, read, propose, commit)

    // A compare-and-set whose condition fails is a read: one round trip, nothing proposed.
    PaxosResult[] refused = new PaxosResult[1];
    long refusedMillis = elapsedMillis(cluster,
        () -> refused[0] = cluster.await(cluster.node(1).compareAndSet(key, b("not-v1"), b("v2"))));
    assertThat(refused[0].applied()).isFalse();
    assertThat(operationMessages(cluster)).containsExactly(Map.entry("PrepareRequest", 1));
    assertThat(refusedMillis).isEqualTo(2 * HOP.toMillis());

    // A write: prepare (with the read) to a majority, then n1 accepts and one more replica accepts
    // and commits in one step (its acceptance makes the majority that chooses the value). The
    // third replica gets the commit without being waited for. When the answer comes, two
    // replicas' rows hold the value: a QUORUM read after it, whichever majority it meets, sees it.
    long writeMillis = elapsedMillis(cluster,
        () -> cluster.await(cluster.node(1).put(key, b("v2"), Consistency.LINEARIZABLE)));
    assertThat(operationMessages(cluster)).containsExactly(
        Map.entry("CommitRequest", 1), Map.entry("PrepareRequest", 1), Map.entry("ProposeRequest", 1));
    assertThat(writeMillis).isEqualTo(2 * 2 * HOP.toMillis()); // three round trips before (the commit)
    assertThat(cluster.nodeIds().stream().filter(n -> "v2".equals(SimValues.onDisk(cluster, n, key))))
        .hasSize(2).contains(1);
    assertThat(value(cluster.await(cluster.node(3).get(key, Consistency.QUORUM, false)))).isEqualTo("v2");
    cluster.runFor(Duration.ofMillis(100));
    cluster.network().takeSentCounts();

    // Through another node: it hands the operation to n1 (one more round trip), which runs it.
    long handedOnMillis = elapsedMillis(cluster,
        () -> read[0] = value(cluster.await(cluster.node(2).get(key, Consistency.LINEARIZABLE, false))));
    assertThat(read[0]).isEqualTo("v2");
    assertThat(operationMessages(cluster)).containsExactly(
        Map.entry("LinearizableRequest", 1), Map.entry("PrepareRequest", 1));
    assertThat(handedOnMillis).isEqualTo(2 * 2 * HOP.toMillis());
  }

  @Test
  void withWritesSyncedToDiskAWriteAcceptsEverywhereAtOnceAndCommitsAfter() {
    // Accepting on n1 before asking the others would put two fsyncs in a row; the plain round
    // accepts on a majority at once and commits after: three round trips, two fsyncs deep.
    SimCluster cluster = SimCluster.start(3, 3, 16);
    cluster.syncWrites(true);
    String key = cluster.keyFirstOn(1, "k");
    cluster.network().setLatency(HOP, Duration.ZERO);
    cluster.await(cluster.node(1).put(key, b("v1"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(100));
    cluster.network().takeSentCounts();

    cluster.await(cluster.node(1).put(key, b("v2"), Consistency.LINEARIZABLE));
    assertThat(operationMessages(cluster)).containsExactly(
        Map.entry("CommitRequest", 2), Map.entry("PrepareRequest", 1), Map.entry("ProposeRequest", 1));
    for (int node : cluster.nodeIds()) {
      assertThat(value(cluster.await(cluster.node(node).get(key, Consistency.QUORUM, false)))).as("n" + node)
          .isEqualTo("v2");
    }
  }

  @Test
  void aReplicaThatDoesNotCommitWithItsAcceptanceIsSentTheCommitAsBefore() {
    // A node of an older version does not know the request's flag (its decoder drops it) and
    // answers a plain acceptance: the proposer cannot count on its row and commits as before.
    SimWire olderReplicas = new SimWire() {
      @Override
      public PeerRequest<?> request(PeerRequest<?> request) {
        return request instanceof ProposeRequest p ? new ProposeRequest(p.from(), p.key(), p.proposal()) : request;
      }

      @Override
      public PeerResponse response(PeerRequest<?> request, PeerResponse response) {
        return response;
      }
    };
    SimCluster cluster = SimCluster.start(3, 16, c -> c.withReplicationFactor(3), olderReplicas);
    String key = cluster.keyFirstOn(1, "k");
    cluster.network().setLatency(HOP, Duration.ZERO);
    cluster.await(cluster.node(1).put(key, b("v1"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(100));
    cluster.network().takeSentCounts();

    long writeMillis = elapsedMillis(cluster,
        () -> cluster.await(cluster.node(1).put(key, b("v2"), Consistency.LINEARIZABLE)));
    assertThat(operationMessages(cluster)).containsExactly(
        Map.entry("CommitRequest", 2), Map.entry("PrepareRequest", 1), Map.entry("ProposeRequest", 1));
    assertThat(writeMillis).isEqualTo(3 * 2 * HOP.toMillis());
    assertThat(cluster.nodeIds().stream().filter(n -> "v2".equals(SimValues.onDisk(cluster, n, key))))
        .hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void aRoundAsksTheOtherReplicasTooWhenTheMajorityItAskedFirstDoesNotAnswer() {
    SimCluster cluster = SimCluster.start(3, 3, 18);
    String key = cluster.keyFirstOn(1, "k");
    cluster.network().setLatency(HOP, Duration.ZERO);
    cluster.await(cluster.node(1).put(key, b("v1"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(100));

    // n1 asks one of n2 and n3 first. Messages to the other are dropped: no difference. Messages
    // to that one are dropped: the read asks the other once the hedge delay has passed, and still
    // answers, long before the failure detector could tell (nor does it need to).
    List<Long> readMillis = new ArrayList<>();
    Map<Integer, Map<String, Integer>> messages = new TreeMap<>();
    for (int other : List.of(2, 3)) {
      cluster.network().takeSentCounts();
      cluster.network().cutOneWay(1, other);
      String[] read = new String[1];
      readMillis.add(elapsedMillis(cluster,
          () -> read[0] = value(cluster.await(cluster.node(1).get(key, Consistency.LINEARIZABLE, false)))));
      assertThat(read[0]).isEqualTo("v1");
      messages.put(other, operationMessages(cluster));
      cluster.network().heal();
    }
    long hedge = io.dialkv.core.coordinator.PaxosOperation.HEDGE_AFTER.toMillis();
    assertThat(readMillis).containsExactlyInAnyOrder(2 * HOP.toMillis(), hedge + 2 * HOP.toMillis());
    assertThat(messages.values()).containsExactlyInAnyOrder(
        Map.of("PrepareRequest", 1), Map.of("PrepareRequest", 2));

    // A write through the same cut: each of prepare and propose waits out the hedge once; the
    // replica that accepts then commits with its acceptance, and the cut one is not waited for.
    int first = readMillis.get(0) > 2 * HOP.toMillis() ? 2 : 3;
    cluster.network().cutOneWay(1, first);
    long writeMillis = elapsedMillis(cluster, () -> cluster.await(cluster.node(1).put(key, b("v2"), Consistency.LINEARIZABLE)));
    assertThat(writeMillis).isEqualTo(2 * (hedge + 2 * HOP.toMillis()));
    cluster.network().heal();
    assertThat(value(cluster.await(cluster.node(first).get(key, Consistency.LINEARIZABLE, false)))).isEqualTo("v2");
  }

  @Test
  void aValueAcceptedByOneReplicaIsMissedByAReadThatDoesNotMeetItAndFinishedByOneThatDoes() {
    // A proposer that died after one replica (n3) accepted its value: chosen by nobody yet.
    SimCluster cluster = SimCluster.start(3, 3, 17);
    cluster.await(cluster.node(1).put("k", b("old"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(100));
    Timestamp ballot = new Timestamp(cluster.clock(3).physicalMillis(), 0, 3); // above the write's, 100 ms on
    Row update = Row.of(Map.of(Mutation.VALUE_CELL, Cell.live(b("accepted-by-n3"), ballot)));
    PaxosState n3 = cluster.disk(3).getPaxos("k").orElseThrow();
    cluster.disk(3).putPaxos("k", new PaxosState(ballot, new Proposal(ballot, update), n3.committed()));
    cluster.network().takeSentCounts();

    // A read whose majority is n1 and n2 cannot know of it, and need not: the value was chosen by
    // nobody, its proposer never answered. It proposes nothing (it does not seal its ballot).
    cluster.network().cut(1, 3);
    assertThat(value(cluster.await(cluster.node(1).get("k", Consistency.LINEARIZABLE, false)))).isEqualTo("old");
    assertThat(operationMessages(cluster)).doesNotContainKey("ProposeRequest");

    // A read whose majority includes n3 finds it in flight and finishes it before it answers:
    // from then on every read sees it, whichever majority it meets.
    cluster.network().heal();
    cluster.network().cut(1, 2);
    assertThat(value(cluster.await(cluster.node(1).get("k", Consistency.LINEARIZABLE, false))))
        .isEqualTo("accepted-by-n3");
    assertThat(operationMessages(cluster)).containsKey("ProposeRequest");
    cluster.network().heal();
    cluster.network().cut(1, 3);
    assertThat(value(cluster.await(cluster.node(1).get("k", Consistency.LINEARIZABLE, false))))
        .isEqualTo("accepted-by-n3");
    cluster.network().heal();
    for (int node : cluster.nodeIds()) {
      assertThat(value(cluster.await(cluster.node(node).get("k", Consistency.QUORUM, false)))).as("n" + node)
          .isEqualTo("accepted-by-n3");
    }
  }
}
