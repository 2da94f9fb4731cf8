package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static io.dialkv.core.sim.SimValues.onDisk;
import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.membership.MembershipChange;
import io.dialkv.core.node.DialNode;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.repair.RepairReport;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.stats.NodeCounters.HintDrop;
import io.dialkv.core.stats.NodeCounters.PaxosKind;
import io.dialkv.core.stats.NodeCounters.ReadRepair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The node's consistency counters say what happened: each scenario makes one thing happen (a
 * replica falls behind, a hint is replayed or dropped, proposers compete) and checks that exactly
 * that was counted, and nothing where nothing happened.
 */
class CountersTest {
  private static final Duration SETTLE = Duration.ofSeconds(5);

  private static SimCluster start(long seed, double readRepairChance, long maxHints, Duration window) {
    return SimCluster.start(3, seed, c -> c.withHealing(
        new NodeConfig.Healing(window, maxHints, readRepairChance, Duration.ZERO, Duration.ofDays(10))));
  }

  private static NodeCounters.Snapshot counters(SimCluster cluster, int node) {
    return cluster.await(cluster.node(node).counters());
  }

  /** n3 misses a QUORUM write of {@code key} while cut off, and is back (with no hint kept). */
  private static void leaveBehind(SimCluster cluster, String key) {
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);
    cluster.await(cluster.node(1).put(key, b("new"), Consistency.QUORUM));
    cluster.network().heal();
    cluster.awaitAllUp();
    assertThat(onDisk(cluster, 3, key)).isNull();
  }

  @Test
  void aFreshClusterHasCountedNothingAndEveryFixedSeriesIsThere() {
    SimCluster cluster = start(60, 0.0, 1_000, Duration.ofHours(3));
    cluster.await(cluster.node(1).put("k", b("v"), Consistency.ALL));
    cluster.await(cluster.node(1).get("k", Consistency.QUORUM, false));
    NodeCounters.Snapshot s = counters(cluster, 1);
    assertThat(s.readsDisagreed()).containsOnlyKeys(Consistency.values()).allSatisfy((l, n) -> assertThat(n).isZero());
    assertThat(s.readRepairs()).containsOnlyKeys(ReadRepair.values()).allSatisfy((m, n) -> assertThat(n).isZero());
    assertThat(s.staleReadsAtOne()).isZero();
    assertThat(s.hintsByTarget()).isEmpty();
    assertThat(s.paxos()).containsOnlyKeys(PaxosKind.values());
    assertThat(s.repair().sessions()).isZero();
    assertThat(s.streamedRows()).isZero();
  }

  @Test
  void aQuorumReadThatFindsAReplicaBehindCountsTheDisagreementAndOneBlockingRepair() {
    SimCluster cluster = start(61, 0.0, 0, Duration.ofHours(3));
    leaveBehind(cluster, "k");
    // n3 asks itself first: its own (empty) answer and one current answer are the counted two.
    cluster.await(cluster.node(3).get("k", Consistency.QUORUM, false));
    NodeCounters.Snapshot s = counters(cluster, 3);
    assertThat(s.readsDisagreed().get(Consistency.QUORUM)).isEqualTo(1);
    assertThat(s.readRepairs().get(ReadRepair.BLOCKING)).isEqualTo(1);
    assertThat(onDisk(cluster, 3, "k")).isEqualTo("new");

    cluster.await(cluster.node(3).get("k", Consistency.QUORUM, false));
    assertThat(counters(cluster, 3).readRepairs().get(ReadRepair.BLOCKING)).as("nothing left to repair").isEqualTo(1);
  }

  @Test
  void aReadAtOneAnsweredByTheStaleReplicaIsCountedStaleAndRepairedInTheBackground() {
    SimCluster cluster = start(62, 1.0, 0, Duration.ofHours(3));
    leaveBehind(cluster, "k");
    cluster.await(cluster.node(1).get("k", Consistency.ONE, false)); // n1 answers itself: current
    cluster.runFor(SETTLE);
    NodeCounters.Snapshot fromN1 = counters(cluster, 1);
    assertThat(fromN1.staleReadsAtOne()).isZero();
    assertThat(fromN1.readsDisagreed().get(Consistency.ONE)).isEqualTo(1);
    assertThat(fromN1.readRepairs().get(ReadRepair.BACKGROUND)).isEqualTo(1);
    assertThat(onDisk(cluster, 3, "k")).isEqualTo("new");

    leaveBehind(cluster, "k2");
    cluster.await(cluster.node(3).get("k2", Consistency.ONE, false)); // n3 answers itself: stale
    cluster.runFor(SETTLE);
    NodeCounters.Snapshot fromN3 = counters(cluster, 3);
    assertThat(fromN3.staleReadsAtOne()).isEqualTo(1);
    assertThat(fromN3.readRepairs().get(ReadRepair.BACKGROUND)).isEqualTo(1);
    assertThat(fromN3.readRepairs().get(ReadRepair.BLOCKING)).isZero();
  }

  @Test
  void hintsAreCountedStoredThenReplayedPerTarget() {
    SimCluster cluster = start(63, 0.0, 1_000_000, Duration.ofHours(3));
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);
    for (int i = 0; i < 20; i++) {
      cluster.await(cluster.node(1).put("k" + i, b("v"), Consistency.QUORUM));
    }
    assertThat(counters(cluster, 1).hintsByTarget().get(3).stored()).isEqualTo(20);
    assertThat(counters(cluster, 1).hintsByTarget().get(3).replayed()).isZero();

    cluster.network().heal();
    cluster.awaitAllUp();
    cluster.runFor(SETTLE);
    NodeCounters.Hints toN3 = counters(cluster, 1).hintsByTarget().get(3);
    assertThat(toN3.replayed()).isEqualTo(20);
    assertThat(toN3.dropped()).allSatisfy((why, n) -> assertThat(n).as("%s", why).isZero());
    assertThat(counters(cluster, 1).hintsByTarget()).containsOnlyKeys(3);
  }

  @Test
  void hintsDroppedAreCountedByWhy() {
    SimCluster cluster = start(64, 0.0, 2, Duration.ofSeconds(10));
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);
    for (int i = 0; i < 3; i++) {
      cluster.await(cluster.node(1).put("k" + i, b("v"), Consistency.QUORUM));
    }
    assertThat(counters(cluster, 1).hintsByTarget().get(3).dropped().get(HintDrop.LIMIT)).isEqualTo(1);

    cluster.runFor(Duration.ofSeconds(11));
    cluster.network().heal();
    cluster.awaitAllUp();
    cluster.runFor(SETTLE);
    NodeCounters.Hints toN3 = counters(cluster, 1).hintsByTarget().get(3);
    assertThat(toN3.stored()).isEqualTo(2);
    assertThat(toN3.dropped().get(HintDrop.EXPIRED)).isEqualTo(2);
    assertThat(toN3.replayed()).isZero();
  }

  @Test
  void anUncontendedLinearizableOperationTakesOneRoundAndNoRetry() {
    SimCluster cluster = SimCluster.start(3, 3, 65);
    String key = cluster.keyFirstOn(1, "lin-");
    cluster.await(cluster.node(1).put(key, b("a"), Consistency.LINEARIZABLE));
    cluster.await(cluster.node(1).compareAndSet(key, b("a"), b("b")));
    cluster.await(cluster.node(1).get(key, Consistency.LINEARIZABLE, false));
    NodeCounters.Snapshot s = counters(cluster, 1);
    for (PaxosKind kind : PaxosKind.values()) {
      assertThat(s.paxos().get(kind)).as("%s", kind).isEqualTo(new NodeCounters.Paxos(1, 1, 0));
    }
  }

  @Test
  void proposersThatCannotHandOffCompeteAndTheirRetriesAreCounted() {
    SimCluster cluster = SimCluster.start(3, 3, 66);
    String key = cluster.keyFirstOn(1, "hot-");
    // n2 cannot reach n1, the key's preferred proposer, and runs its operations elsewhere (itself
    // or the next replica): two proposers, each with a majority through the third node.
    cluster.network().cut(1, 2);
    cluster.awaitSeen(2, 1, false);
    List<CompletableFuture<?>> ops = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      ops.add(cluster.node(1).put(key, b("one-" + i), Consistency.LINEARIZABLE));
      ops.add(cluster.node(2).put(key, b("two-" + i), Consistency.LINEARIZABLE));
    }
    for (CompletableFuture<?> op : ops) {
      try {
        cluster.await(op);
      } catch (RuntimeException contendedOrIndeterminate) {
        // counted either way
      }
    }
    long operations = 0;
    long retries = 0;
    long rounds = 0;
    for (int node : cluster.nodeIds()) {
      NodeCounters.Paxos writes = counters(cluster, node).paxos().get(PaxosKind.WRITE);
      operations += writes.operations();
      retries += writes.contentionRetries();
      rounds += writes.rounds();
    }
    assertThat(operations).isEqualTo(40);
    assertThat(retries).isPositive();
    assertThat(rounds).isGreaterThanOrEqualTo(operations + retries);
  }

  @Test
  void repairAndRangeStreamsCountWhatTheyMoved() {
    SimCluster cluster = SimCluster.start(3, 3, 67);
    for (int i = 0; i < 30; i++) {
      cluster.await(cluster.node(1).put("r" + i, b("v"), Consistency.ALL));
    }
    cluster.crash(3);
    cluster.restartWiped(3);
    cluster.awaitAllUp();
    RepairReport report = cluster.await(cluster.node(3).repair());
    NodeCounters.Repair repair = counters(cluster, 3).repair();
    assertThat(repair.sessions()).isEqualTo(1);
    assertThat(repair.rangesCompared()).isEqualTo(report.ranges());
    assertThat(repair.rowsStreamed()).isEqualTo(report.rowsStreamed()).isGreaterThanOrEqualTo(30);
    assertThat(repair.bytesStreamed()).isEqualTo(report.bytesStreamed());

    DialNode joining = cluster.startJoining(4);
    MembershipChange change = cluster.await(joining.joined());
    NodeCounters.Snapshot s = counters(cluster, 4);
    assertThat(s.streamedRows()).isEqualTo(change.rowsStreamed()).isPositive();
    assertThat(s.streamedBytes()).isPositive();
  }
}
