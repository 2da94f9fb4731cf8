package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.coordinator.IndeterminateWriteException;
import io.dialkv.core.coordinator.ReadResult;
import io.dialkv.core.coordinator.ReplicaReply;
import io.dialkv.core.coordinator.UnavailableException;
import io.dialkv.core.coordinator.WriteResult;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Whole clusters in one JVM on simulated time: what each consistency level does under partitions
 * and crashes. Each test is deterministic from its seed.
 */
class SimClusterTest {
  private static final String KEY = "greeting";


  private static String value(ReadResult r) {
    Cell c = r.row().liveCells().get(Mutation.VALUE_CELL);
    return c == null ? null : new String(c.valueUnsafe(), StandardCharsets.UTF_8);
  }

  /** The key's replicas [a, b, c] followed by the two other nodes [d, e]. */
  private static List<Integer> layout(SimCluster cluster, String key) {
    List<Integer> order = new ArrayList<>(cluster.node(1).ring().replicasFor(key));
    for (int id : cluster.nodeIds()) {
      if (!order.contains(id)) {
        order.add(id);
      }
    }
    return order;
  }

  private static String keyReplicatedOn(SimCluster cluster, int node, String prefix) {
    for (int i = 0; ; i++) {
      if (cluster.node(node).ring().replicasFor(prefix + i).contains(node)) {
        return prefix + i;
      }
    }
  }

  private static void isolate(SimCluster cluster, int node) {
    cluster.network().isolate(node, cluster.nodeIds());
    for (int other : cluster.nodeIds()) {
      if (other != node) {
        cluster.awaitSeen(node, other, false);
        cluster.awaitSeen(other, node, false);
      }
    }
  }

  private static void heal(SimCluster cluster) {
    cluster.network().heal();
    cluster.awaitAllUp();
  }

  @Test
  void oneStaysAvailableOnBothSidesAndCanReadStaleDataWhichTheTraceReveals() {
    SimCluster cluster = SimCluster.start(5, 3, 101);
    List<Integer> n = layout(cluster, KEY);
    int a = n.get(0), b = n.get(1), d = n.get(3);
    cluster.await(cluster.node(b).put(KEY, b("v1"), Consistency.ALL));

    isolate(cluster, a);
    cluster.await(cluster.node(b).put(KEY, b("v2"), Consistency.ONE));

    // Majority side: ONE sees the new value.
    assertThat(value(cluster.await(cluster.node(d).get(KEY, Consistency.ONE, false)))).isEqualTo("v2");
    // Minority side: ONE still answers, from the isolated replica, with the old value.
    ReadResult stale = cluster.await(cluster.node(a).get(KEY, Consistency.ONE, false));
    assertThat(value(stale)).isEqualTo("v1");
    assertThat(stale.provenance().replies()).extracting(ReplicaReply::nodeId).containsExactly(a);
    // ... and accepts writes of keys it holds a replica of.
    String mine = keyReplicatedOn(cluster, a, "mine-");
    WriteResult local = cluster.await(cluster.node(a).put(mine, b("x"), Consistency.ONE));
    assertThat(local.provenance().replies()).extracting(ReplicaReply::nodeId).containsExactly(a);

    heal(cluster);
    ReadResult traced = cluster.await(cluster.node(a).get(KEY, Consistency.ONE, true));
    assertThat(value(traced)).isEqualTo("v1");
    assertThat(traced.provenance().possiblyStale()).isTrue();
    assertThat(traced.provenance().disagreed()).isTrue();
    assertThat(traced.provenance().replies())
        .filteredOn(ReplicaReply::aheadOfResult)
        .extracting(ReplicaReply::nodeId)
        .containsExactlyInAnyOrder(n.get(1), n.get(2));
    assertThat(traced.provenance().replies())
        .filteredOn(ReplicaReply::counted)
        .extracting(ReplicaReply::nodeId)
        .containsExactly(a);
  }

  @Test
  void quorumIsAvailableOnlyOnTheMajoritySideAndReadsEveryAcknowledgedWriteAfterTheHeal() {
    SimCluster cluster = SimCluster.start(5, 3, 202);
    int isolated = 2;
    isolate(cluster, isolated);

    // Minority side: fails fast, naming needed versus alive replicas.
    assertThatThrownBy(() -> cluster.await(cluster.node(isolated).put("k", b("x"), Consistency.QUORUM)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("needed 2 of 3 replicas, 1 alive");
    assertThatThrownBy(() -> cluster.await(cluster.node(isolated).get("k", Consistency.QUORUM, false)))
        .isInstanceOf(UnavailableException.class);

    // Majority side: every QUORUM write is acknowledged, including keys the isolated node holds.
    Map<String, String> acknowledged = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      int coordinator = List.of(1, 3, 4, 5).get(i % 4);
      String key = "user-" + i;
      WriteResult w = cluster.await(cluster.node(coordinator).put(key, b("v" + i), Consistency.QUORUM));
      assertThat(w.provenance().replies()).hasSizeGreaterThanOrEqualTo(2);
      acknowledged.put(key, "v" + i);
    }

    heal(cluster);
    for (Map.Entry<String, String> e : acknowledged.entrySet()) {
      ReadResult r = cluster.await(cluster.node(isolated).get(e.getKey(), Consistency.QUORUM, false));
      assertThat(value(r)).as(e.getKey()).isEqualTo(e.getValue());
    }
  }

  @Test
  void quorumReadRepairsTheStaleReplicaItCounted() {
    SimCluster cluster = SimCluster.start(5, 3, 303);
    List<Integer> n = layout(cluster, KEY);
    int a = n.get(0), b = n.get(1);
    cluster.await(cluster.node(b).put(KEY, b("old"), Consistency.ALL));
    isolate(cluster, a);
    cluster.await(cluster.node(b).put(KEY, b("new"), Consistency.QUORUM));
    heal(cluster);

    // Coordinated by the stale replica, which counts itself first.
    ReadResult r = cluster.await(cluster.node(a).get(KEY, Consistency.QUORUM, false));

    assertThat(value(r)).isEqualTo("new");
    assertThat(r.provenance().disagreed()).isTrue();
    assertThat(r.provenance().readRepaired()).containsExactly(a);
    Row onDisk = cluster.disk(a).get(KEY).orElseThrow();
    assertThat(new String(onDisk.liveCells().get("value").valueUnsafe(), StandardCharsets.UTF_8))
        .isEqualTo("new");
  }

  @Test
  void allFailsFastOnceAReplicaIsKnownUnreachable() {
    SimCluster cluster = SimCluster.start(5, 3, 404);
    List<Integer> n = layout(cluster, KEY);
    int a = n.get(0), c = n.get(2);
    isolate(cluster, c);

    long before = cluster.world().nowNanos();
    assertThatThrownBy(() -> cluster.await(cluster.node(a).get(KEY, Consistency.ALL, false)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("needed 3 of 3 replicas, 2 alive (down: n" + c + ")");
    assertThat(cluster.world().nowNanos() - before).isZero(); // nothing was sent, nothing waited for
    // QUORUM still works without c.
    cluster.await(cluster.node(a).put(KEY, b("v"), Consistency.QUORUM));
  }

  @Test
  void aWriteThatTimesOutAfterSendingIsIndeterminateAndMayStillBeApplied() {
    SimCluster cluster = SimCluster.start(5, 3, 505);
    List<Integer> n = layout(cluster, KEY);
    int a = n.get(0), b = n.get(1), c = n.get(2);
    // Cut silently, and write before the failure detector notices.
    cluster.network().cut(a, b);
    cluster.network().cut(a, c);

    assertThatThrownBy(() -> cluster.await(cluster.node(a).put(KEY, b("maybe"), Consistency.ALL)))
        .isInstanceOf(IndeterminateWriteException.class)
        .hasMessageContaining("1 of 3 acks (from n" + a + ")")
        .hasMessageContaining("may have been applied");

    heal(cluster);
    // It was applied on a; a QUORUM read that counts a returns it (and repairs the others).
    ReadResult r = cluster.await(cluster.node(a).get(KEY, Consistency.QUORUM, false));
    assertThat(value(r)).isEqualTo("maybe");
  }

  @Test
  void updatesOfDifferentProfileFieldsOnBothSidesOfAPartitionBothSurvive() {
    SimCluster cluster = SimCluster.start(5, 3, 606);
    String row = "profile/user-42";
    List<Integer> n = layout(cluster, row);
    int a = n.get(0), b = n.get(1);
    cluster.await(
        cluster.node(b).putProfile("user-42", Map.of("display_name", b("A"), "email", b("a@x")), Consistency.ALL));
    isolate(cluster, a);

    cluster.await(cluster.node(a).updateProfile("user-42", Map.of("display_name", b("Ada")), List.of(), Consistency.ONE));
    cluster.await(cluster.node(b).updateProfile("user-42", Map.of("email", b("ada@example.org")), List.of(), Consistency.ONE));
    heal(cluster);

    ReadResult r = cluster.await(cluster.node(n.get(4)).getProfile("user-42", Consistency.ALL, false));
    Map<String, Cell> fields = r.row().liveCells();
    assertThat(new String(fields.get("display_name").valueUnsafe(), StandardCharsets.UTF_8)).isEqualTo("Ada");
    assertThat(new String(fields.get("email").valueUnsafe(), StandardCharsets.UTF_8)).isEqualTo("ada@example.org");
    assertThat(r.provenance().readRepaired()).isNotEmpty();
  }

  @Test
  void aCrashedReplicaKeepsItsDataAndQuorumServesWithoutIt() {
    SimCluster cluster = SimCluster.start(3, 3, 707);
    for (int i = 0; i < 20; i++) {
      cluster.await(cluster.node(1).put("k" + i, b("v" + i), Consistency.ALL));
    }
    cluster.crash(2);
    for (int i = 20; i < 40; i++) {
      cluster.await(cluster.node(1 + 2 * (i % 2)).put("k" + i, b("v" + i), Consistency.QUORUM));
    }
    cluster.restart(2);
    cluster.awaitAllUp();

    for (int i = 0; i < 20; i++) {
      ReadResult r = cluster.await(cluster.node(2).get("k" + i, Consistency.ONE, false));
      assertThat(r.provenance().replies()).extracting(ReplicaReply::nodeId).containsExactly(2);
      assertThat(value(r)).isEqualTo("v" + i);
    }
    // What it missed while down it gets from a QUORUM read.
    assertThat(value(cluster.await(cluster.node(2).get("k33", Consistency.QUORUM, false)))).isEqualTo("v33");
  }

  @Test
  void aRunReplaysExactlyFromItsSeed() {
    assertThat(randomRun(808)).isEqualTo(randomRun(808));
    assertThat(randomRun(808)).isNotEqualTo(randomRun(809));
  }

  private static List<String> randomRun(long seed) {
    SimCluster cluster = SimCluster.start(5, 3, seed);
    List<String> outcomes = new ArrayList<>();
    java.util.Random random = new java.util.Random(seed);
    for (int i = 0; i < 40; i++) {
      if (i == 10) {
        cluster.network().isolate(1 + random.nextInt(5), cluster.nodeIds());
      }
      if (i == 30) {
        cluster.network().heal();
      }
      int node = 1 + random.nextInt(5);
      Consistency level = Consistency.values()[random.nextInt(3)];
      try {
        if (random.nextBoolean()) {
          WriteResult w = cluster.await(cluster.node(node).put("k" + random.nextInt(4), b("v" + i), level));
          outcomes.add("put " + w.provenance().writeTimestamp());
        } else {
          ReadResult r = cluster.await(cluster.node(node).get("k" + random.nextInt(4), level, false));
          outcomes.add("get " + value(r) + " " + r.provenance().replies().size());
        }
      } catch (RuntimeException e) {
        outcomes.add(e.getClass().getSimpleName() + " " + e.getMessage());
      }
      cluster.runFor(Duration.ofMillis(random.nextInt(300)));
    }
    return outcomes;
  }

  @Test
  void aRestartedNodeServesOnceItHasHeardEveryPeerOrHasWaitedForThemLongEnough() {
    SimCluster cluster = SimCluster.start(3, 3, 107);
    Duration settle = cluster.node(3).config().heartbeatInterval().multipliedBy(10);

    // Every peer answers: the node serves as soon as it has heard from both, well before the wait.
    cluster.crash(3);
    cluster.restart(3);
    long restarted = cluster.world().nowNanos();
    cluster.awaitAllUp();
    assertThat(cluster.await(cluster.node(3).readyToServe())).isTrue();
    assertThat(cluster.world().nowNanos() - restarted).isLessThan(settle.toNanos());

    // One peer silent: hearing n1 is not enough while n2 may merely not have answered yet...
    cluster.crash(3);
    cluster.restart(3);
    restarted = cluster.world().nowNanos();
    cluster.network().cut(2, 3);
    cluster.awaitSeen(3, 1, true);
    assertThat(cluster.await(cluster.node(3).readyToServe())).isFalse();
    // ...but once the node has waited long enough, it serves with n2 counted as down.
    for (int step = 0; step < 100 && !cluster.await(cluster.node(3).readyToServe()); step++) {
      cluster.runFor(Duration.ofMillis(100));
    }
    assertThat(cluster.await(cluster.node(3).readyToServe())).isTrue();
    assertThat(cluster.world().nowNanos() - restarted).isGreaterThanOrEqualTo(settle.toNanos());
    assertThat(cluster.await(cluster.node(3).seesAPeer())).isTrue();
  }
}
