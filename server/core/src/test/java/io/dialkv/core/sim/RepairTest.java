package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static io.dialkv.core.sim.SimValues.onDisk;
import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.repair.RepairReport;
import org.junit.jupiter.api.Test;

/**
 * Anti-entropy repair on simulated clusters, with hinted handoff and read repair off so that only
 * the repair can bring a replica back: a wiped node gets every row of its ranges back, a replica
 * that missed a delete gets the tombstone (the value does not come back), and a repair of replicas
 * that agree streams nothing.
 */
class RepairTest {

  private static SimCluster start(int size, long seed) {
    return SimCluster.start(size, seed, c -> c.withHealing(NodeConfig.Healing.off()));
  }


  @Test
  void aWipedNodeGetsEveryRowOfItsRangesBack() {
    SimCluster cluster = start(5, 21);
    for (int i = 0; i < 500; i++) {
      cluster.await(cluster.node(1).put("k" + i, b("v" + i), Consistency.ALL));
    }
    cluster.crash(2);
    cluster.restartWiped(2);
    cluster.awaitAllUp();
    assertThat(cluster.disk(2).approximateRowCount()).isZero();

    RepairReport report = cluster.await(cluster.node(2).repair());

    int held = 0;
    for (int i = 0; i < 500; i++) {
      if (cluster.node(2).ring().replicasFor("k" + i).contains(2)) {
        assertThat(onDisk(cluster, 2, "k" + i)).isEqualTo("v" + i);
        held++;
      }
    }
    assertThat(report.rowsStreamed()).isEqualTo(held);
    assertThat(report.ranges()).isEqualTo(cluster.node(2).ring().rangesOf(2).size());
    assertThat(report.unreachable()).isEmpty();

    // Everything agrees now: a second repair compares and streams nothing.
    RepairReport again = cluster.await(cluster.node(2).repair());
    assertThat(again.rangesDiffering()).isZero();
    assertThat(again.rowsStreamed()).isZero();
  }

  @Test
  void aReplicaThatMissedADeleteGetsTheTombstoneAndTheValueDoesNotComeBack() {
    SimCluster cluster = start(3, 22);
    cluster.await(cluster.node(1).put("gone", b("v"), Consistency.ALL));
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);
    cluster.await(cluster.node(1).delete("gone", Consistency.QUORUM));
    cluster.network().heal();
    cluster.awaitAllUp();
    assertThat(onDisk(cluster, 3, "gone")).isEqualTo("v");

    RepairReport report = cluster.await(cluster.node(3).repair());

    assertThat(report.rowsStreamed()).isEqualTo(1);
    for (int node = 1; node <= 3; node++) {
      assertThat(onDisk(cluster, node, "gone")).as("n%d", node).isNull();
    }
    assertThat(cluster.await(cluster.node(3).get("gone", Consistency.ALL, false)).row().hasLiveCells()).isFalse();
  }

  @Test
  void aScheduledRepairHealsWithoutBeingAsked() {
    SimCluster cluster = SimCluster.start(3, 23, c -> c.withHealing(
        new NodeConfig.Healing(java.time.Duration.ofHours(3), 0, 0.0, java.time.Duration.ofSeconds(30),
            java.time.Duration.ofDays(10))));
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);
    cluster.await(cluster.node(1).put("k", b("v"), Consistency.QUORUM));
    cluster.network().heal();
    cluster.awaitAllUp();
    assertThat(onDisk(cluster, 3, "k")).isNull();

    cluster.runFor(java.time.Duration.ofSeconds(35));
    assertThat(onDisk(cluster, 3, "k")).isEqualTo("v");
  }

  private static SimCluster withGrace(long seed) {
    return SimCluster.start(3, seed, c -> c.withHealing(new NodeConfig.Healing(
        java.time.Duration.ofSeconds(10), 0, 0.0, java.time.Duration.ZERO, java.time.Duration.ofSeconds(20))));
  }

  private static boolean rowOnDisk(SimCluster cluster, int node, String key) {
    return cluster.disk(node).get(key).isPresent();
  }

  @Test
  void deletionMarkersArePurgedOnlyPastTheGraceAndOnlyFromRangesEveryReplicaRepaired() {
    SimCluster cluster = withGrace(24);
    cluster.await(cluster.node(1).put("gone", b("v"), Consistency.ALL));
    cluster.await(cluster.node(1).delete("gone", Consistency.ALL));
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);

    RepairReport early = cluster.await(cluster.node(1).repair());
    assertThat(early.tombstonesPurged()).as("within the grace, and n3 absent").isZero();
    cluster.runFor(java.time.Duration.ofSeconds(25));
    RepairReport partial = cluster.await(cluster.node(1).repair());
    assertThat(partial.unreachable()).containsExactly(3);
    assertThat(partial.tombstonesPurged()).as("past the grace, but no repair with n3 since the delete").isZero();
    assertThat(rowOnDisk(cluster, 1, "gone")).isTrue();

    cluster.network().heal();
    cluster.awaitAllUp();
    for (int node = 1; node <= 3; node++) {
      assertThat(cluster.await(cluster.node(node).repair()).tombstonesPurged()).as("n%d", node).isEqualTo(1);
      assertThat(rowOnDisk(cluster, node, "gone")).as("n%d", node).isFalse();
    }
    assertThat(cluster.await(cluster.node(2).get("gone", Consistency.ALL, false)).row().hasLiveCells()).isFalse();
  }

  @Test
  void aReplicaThatMissedADeleteDoesNotBringTheValueBackWhenTheOthersPurge() {
    SimCluster cluster = withGrace(25);
    cluster.await(cluster.node(1).put("gone", b("v"), Consistency.ALL));
    cluster.network().isolate(3, cluster.nodeIds());
    cluster.awaitSeen(1, 3, false);
    cluster.await(cluster.node(1).delete("gone", Consistency.QUORUM));
    cluster.runFor(java.time.Duration.ofSeconds(25));
    // Past the grace, but n3 still holds the value: nobody may purge yet.
    for (int node = 1; node <= 2; node++) {
      assertThat(cluster.await(cluster.node(node).repair()).tombstonesPurged()).isZero();
    }
    cluster.network().heal();
    cluster.awaitAllUp();
    for (int node = 1; node <= 3; node++) {
      cluster.await(cluster.node(node).repair());
    }
    for (int node = 1; node <= 3; node++) {
      assertThat(onDisk(cluster, node, "gone")).as("n%d", node).isNull();
    }
    cluster.await(cluster.node(3).repair());
    assertThat(cluster.await(cluster.node(3).get("gone", Consistency.ALL, false)).row().hasLiveCells()).isFalse();
  }
}
