package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static io.dialkv.core.sim.SimValues.onDisk;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.coordinator.UnavailableException;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.handoff.PendingHints;
import io.dialkv.core.node.NodeConfig;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Replicas that missed writes catch up on their own: hinted handoff replays what a coordinator
 * kept for a replica once it is back, and reads at ONE repair in the background. Three nodes, three
 * replicas of every key.
 */
class HealingTest {
  private static final Duration HEARTBEATS_SETTLE = Duration.ofSeconds(5);



  private static SimCluster start(long seed, double readRepairChance, long maxHints, Duration window) {
    return SimCluster.start(3, seed, c -> c.withHealing(
        new NodeConfig.Healing(window, maxHints, readRepairChance, Duration.ZERO, Duration.ofDays(10))));
  }

  private static void isolate(SimCluster cluster, int node) {
    cluster.network().isolate(node, cluster.nodeIds());
    for (int other : cluster.nodeIds()) {
      if (other != node) {
        cluster.awaitSeen(other, node, false);
      }
    }
  }

  private static long hintsFor(SimCluster cluster, int holder, int target) {
    List<PendingHints> pending = cluster.await(cluster.node(holder).pendingHints());
    return pending.stream().filter(p -> p.target() == target).mapToLong(PendingHints::count).sum();
  }

  @Test
  void aReplicaThatWasCutOffGetsEveryMissedWriteFromHintsAfterTheHeal() {
    SimCluster cluster = start(7, 0.0, 1_000_000, Duration.ofHours(3));
    isolate(cluster, 3);
    for (int i = 0; i < 50; i++) {
      cluster.await(cluster.node(1).put("k" + i, b("v" + i), Consistency.QUORUM));
    }
    assertThat(hintsFor(cluster, 1, 3)).isEqualTo(50);
    assertThat(onDisk(cluster, 3, "k0")).isNull();

    cluster.network().heal();
    cluster.awaitAllUp();
    cluster.runFor(HEARTBEATS_SETTLE);

    for (int i = 0; i < 50; i++) {
      assertThat(onDisk(cluster, 3, "k" + i)).as("k%d on n3", i).isEqualTo("v" + i);
    }
    assertThat(hintsFor(cluster, 1, 3)).isZero();
  }

  @Test
  void hintsNeverCountTowardAConsistencyLevel() {
    SimCluster cluster = start(8, 0.0, 1_000_000, Duration.ofHours(3));
    isolate(cluster, 2);
    isolate(cluster, 3);
    assertThatThrownBy(() -> cluster.await(cluster.node(1).put("k", b("v"), Consistency.QUORUM)))
        .isInstanceOf(UnavailableException.class)
        .hasMessageContaining("nothing was written");
    assertThat(hintsFor(cluster, 1, 2)).as("a refused write leaves no hint").isZero();
    cluster.await(cluster.node(1).put("k", b("v"), Consistency.ONE));
    assertThat(hintsFor(cluster, 1, 2)).isEqualTo(1);
    assertThat(hintsFor(cluster, 1, 3)).isEqualTo(1);
  }

  @Test
  void hintsOlderThanTheWindowAreDroppedAndNoNewOnesAreKept() {
    SimCluster cluster = start(9, 0.0, 1_000_000, Duration.ofSeconds(10));
    isolate(cluster, 3);
    cluster.await(cluster.node(1).put("early", b("v"), Consistency.QUORUM));
    cluster.runFor(Duration.ofSeconds(11));
    cluster.await(cluster.node(1).put("late", b("v"), Consistency.QUORUM));
    assertThat(hintsFor(cluster, 1, 3)).as("no new hint once n3 is past the window").isEqualTo(1);

    cluster.network().heal();
    cluster.awaitAllUp();
    cluster.runFor(HEARTBEATS_SETTLE);
    assertThat(hintsFor(cluster, 1, 3)).isZero();
    assertThat(onDisk(cluster, 3, "early")).as("expired, not replayed").isNull();
    assertThat(onDisk(cluster, 3, "late")).isNull();
  }

  @Test
  void readsAtOneRepairStaleReplicasInTheBackground() {
    for (double chance : new double[] {0.0, 1.0}) {
      // Hinted handoff off, so that only read repair can bring n3 up to date.
      SimCluster cluster = start(10, chance, 0, Duration.ofHours(3));
      isolate(cluster, 3);
      cluster.await(cluster.node(1).put("k", b("new"), Consistency.QUORUM));
      cluster.network().heal();
      cluster.awaitAllUp();

      assertThat(onDisk(cluster, 3, "k")).isNull();
      cluster.await(cluster.node(1).get("k", Consistency.ONE, false));
      cluster.runFor(HEARTBEATS_SETTLE);
      assertThat(onDisk(cluster, 3, "k")).as("n3 after a ONE read, read repair chance %s", chance)
          .isEqualTo(chance == 0.0 ? null : "new");
    }
  }
}
