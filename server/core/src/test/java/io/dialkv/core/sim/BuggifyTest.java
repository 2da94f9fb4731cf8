package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static io.dialkv.core.sim.SimValues.onDisk;
import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.handoff.PendingHints;
import io.dialkv.core.membership.MembershipChange;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.time.Buggify;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The core's {@link Buggify} sites: off unless a simulation turns them on, and each, when it fires,
 * does the rare thing it names while the cluster still answers correctly.
 */
class BuggifyTest {
  private static String read(SimCluster cluster, int node, String key, Consistency level) {
    Cell c = cluster.await(cluster.node(node).get(key, level, false)).row().liveCells().get(Mutation.VALUE_CELL);
    return c == null ? null : new String(c.valueUnsafe(), StandardCharsets.UTF_8);
  }

  private static Map<String, Integer> sent(SimCluster cluster) {
    Map<String, Integer> counts = cluster.network().takeSentCounts();
    counts.keySet().removeIf(kind -> kind.startsWith("Heartbeat"));
    return counts;
  }

  @Test
  void everySiteIsOffUnlessTheRunTurnsThemOnAndThenEachIsDrawnFromTheSeed() {
    SimWorld off = new SimWorld(3);
    for (int i = 0; i < 1_000; i++) {
      for (Buggify site : Buggify.values()) {
        assertThat(off.buggify(site)).isFalse();
      }
    }
    assertThat(off.buggifiedSites()).isEmpty();

    List<Boolean> first = draws(77);
    assertThat(draws(77)).isEqualTo(first);
    assertThat(first).contains(true, false);
    // Over many seeds about a quarter of the runs enable a given site.
    int enabled = 0;
    for (long seed = 0; seed < 400; seed++) {
      SimWorld w = new SimWorld(seed);
      w.enableBuggify();
      w.buggify(Buggify.HINT_NOT_STORED);
      enabled += w.buggifiedSites().get(Buggify.HINT_NOT_STORED) ? 1 : 0;
    }
    assertThat(enabled).isBetween(60, 140);
  }

  /** 2,000 calls of every site in a world with the sites on, for a seed that enables at least one. */
  private static List<Boolean> draws(long seed) {
    SimWorld w = new SimWorld(seed);
    w.enableBuggify();
    List<Boolean> out = new ArrayList<>();
    for (int i = 0; i < 2_000; i++) {
      for (Buggify site : Buggify.values()) {
        out.add(w.buggify(site));
      }
    }
    return out;
  }

  @Test
  void aCommitToAMajorityOnlyLeavesOneReplicaBehindAndEveryLevelThatPromisesStillReadsTheValue() {
    SimCluster cluster = SimCluster.start(3, 3, 16);
    String key = cluster.keyFirstOn(1, "k");
    cluster.world().forceBuggify(Buggify.PAXOS_COMMIT_TO_MAJORITY);
    cluster.network().takeSentCounts();
    cluster.await(cluster.node(1).put(key, b("v1"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(200));
    // The peer that accepted committed with its acceptance; with its own, a majority. The third
    // replica is sent no commit.
    assertThat(sent(cluster)).containsEntry("ProposeRequest", 1).doesNotContainKey("CommitRequest");
    long holding = cluster.nodeIds().stream().filter(n -> "v1".equals(onDisk(cluster, n, key))).count();
    assertThat(holding).isEqualTo(2);
    for (int node : cluster.nodeIds()) {
      assertThat(read(cluster, node, key, Consistency.QUORUM)).as("QUORUM via n%d", node).isEqualTo("v1");
      assertThat(read(cluster, node, key, Consistency.LINEARIZABLE)).as("LINEARIZABLE via n%d", node).isEqualTo("v1");
    }
  }

  @Test
  void aRoundToEveryReplicaAtOnceAsksAllOfThem() {
    SimCluster cluster = SimCluster.start(3, 3, 16);
    String key = cluster.keyFirstOn(1, "k");
    cluster.await(cluster.node(1).put(key, b("v1"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(200));
    cluster.network().takeSentCounts();
    assertThat(read(cluster, 1, key, Consistency.LINEARIZABLE)).isEqualTo("v1");
    assertThat(sent(cluster)).containsExactly(Map.entry("PrepareRequest", 1)); // a majority: own and one
    cluster.world().forceBuggify(Buggify.PAXOS_ROUND_TO_ALL);
    assertThat(read(cluster, 1, key, Consistency.LINEARIZABLE)).isEqualTo("v1");
    assertThat(sent(cluster)).containsExactly(Map.entry("PrepareRequest", 2));
  }

  @Test
  void aReadAtOneIsFollowedByARepairEvenAtAChanceOfZero() {
    SimCluster cluster = SimCluster.start(3, 16, c -> c.withHealing(
        new NodeConfig.Healing(Duration.ofHours(3), 1_000_000, 0.0, Duration.ZERO, Duration.ofDays(10))));
    cluster.await(cluster.node(1).put("k", b("v1"), Consistency.ALL));
    cluster.runFor(Duration.ofMillis(200));
    cluster.network().takeSentCounts();
    read(cluster, 1, "k", Consistency.ONE);
    cluster.runFor(Duration.ofMillis(200));
    int without = sent(cluster).getOrDefault("ReplicaReadRequest", 0);
    cluster.world().forceBuggify(Buggify.READ_REPAIR_ALWAYS);
    read(cluster, 1, "k", Consistency.ONE);
    cluster.runFor(Duration.ofMillis(200));
    assertThat(sent(cluster).getOrDefault("ReplicaReadRequest", 0)).isGreaterThan(without);
  }

  @Test
  void aWriteThatKeepsNoHintLeavesTheMissedReplicaToRepair() {
    SimCluster cluster = SimCluster.start(3, 3, 7);
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);
    cluster.await(cluster.node(1).put("a", b("v"), Consistency.QUORUM));
    assertThat(hintsFor(cluster, 1, 3)).isEqualTo(1);
    cluster.world().forceBuggify(Buggify.HINT_NOT_STORED);
    cluster.await(cluster.node(1).put("b", b("v"), Consistency.QUORUM));
    assertThat(hintsFor(cluster, 1, 3)).isEqualTo(1);
    assertThat(read(cluster, 2, "b", Consistency.QUORUM)).isEqualTo("v");
  }

  private static long hintsFor(SimCluster cluster, int holder, int target) {
    List<PendingHints> pending = cluster.await(cluster.node(holder).pendingHints());
    return pending.stream().filter(p -> p.target() == target).mapToLong(PendingHints::count).sum();
  }

  @Test
  void streamingInOneRowPagesStillBringsEveryRowToAJoiningNode() {
    SimCluster cluster = SimCluster.start(5, 3, 101);
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      writes.add(cluster.node(1 + i % 5).put("row-" + i, b("v" + i), Consistency.QUORUM));
    }
    writes.forEach(cluster::await);
    cluster.world().forceBuggify(Buggify.STREAM_ONE_ROW_PAGES);
    cluster.network().takeSentCounts();
    MembershipChange change = cluster.await(cluster.startJoining(6).joined());
    assertThat(change.rowsStreamed()).isGreaterThan(20);
    assertThat(sent(cluster).getOrDefault("FetchRowsRequest", 0)).isGreaterThanOrEqualTo((int) change.rowsStreamed());
    for (int i = 0; i < 200; i++) {
      String key = "row-" + i;
      if (cluster.node(6).ring().replicasFor(key).contains(6)) {
        assertThat(onDisk(cluster, 6, key)).as(key).isEqualTo("v" + i);
      }
    }
  }
}
