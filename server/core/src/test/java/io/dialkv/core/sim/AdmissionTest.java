package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.admission.AdmissionControl;
import io.dialkv.core.admission.OverloadedException;
import io.dialkv.core.coordinator.ReadResult;
import io.dialkv.core.coordinator.WriteResult;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * A surge against one coordinator: what it cannot take it refuses at once, before any replica
 * hears of the request, and every write it acknowledged is there afterwards.
 */
class AdmissionTest {
  private static final int LIMIT = 4;

  private static SimCluster cluster() {
    SimCluster cluster = SimCluster.start(3, 77,
        c -> c.withReplicationFactor(3).withAdmission(new AdmissionControl.Settings(true, LIMIT, LIMIT)));
    cluster.network().setLatency(Duration.ofMillis(5), Duration.ZERO);
    return cluster;
  }

  private static String value(ReadResult r) {
    var cell = r.row().liveCells().get(Mutation.VALUE_CELL);
    return cell == null ? null : new String(cell.valueUnsafe(), StandardCharsets.UTF_8);
  }

  @Test
  void aCoordinatorAtItsLimitRefusesBeforeAnyReplicaHearsOfTheRequestAndLosesNoAcknowledgedWrite() {
    SimCluster cluster = cluster();
    var node = cluster.node(1);
    Map<String, CompletableFuture<WriteResult>> writes = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      String key = "surge-" + i;
      writes.put(key, node.admitted(Long.MAX_VALUE, () -> node.put(key, b("v" + key), Consistency.QUORUM)));
    }
    cluster.await(CompletableFuture.allOf(writes.values().stream()
        .map(f -> f.handle((r, e) -> null)).toArray(CompletableFuture[]::new)));

    List<String> acknowledged = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    writes.forEach((key, f) -> {
      try {
        f.join();
        acknowledged.add(key);
      } catch (CompletionException e) {
        assertThat(e.getCause()).isInstanceOf(OverloadedException.class)
            .hasMessageContaining("n1 is at its limit of " + LIMIT + " requests in flight");
        refused.add(key);
      }
    });
    assertThat(acknowledged).hasSize(LIMIT);
    assertThat(refused).hasSize(20 - LIMIT);

    cluster.runFor(Duration.ofSeconds(3)); // anything sent late would have arrived by now
    for (String key : refused) {
      for (int replica : cluster.nodeIds()) {
        assertThat(cluster.disk(replica).get(key)).as(key + " on n" + replica).isEmpty();
      }
    }
    for (String key : acknowledged) {
      assertThat(value(cluster.await(cluster.node(2).get(key, Consistency.ALL, false)))).isEqualTo("v" + key);
    }
    var stats = cluster.await(node.admissionStats());
    assertThat(stats.inFlight()).isZero();
    assertThat(stats.refused()).isEqualTo(20 - LIMIT);

    // The surge over, the node takes requests again.
    cluster.await(node.admitted(Long.MAX_VALUE, () -> node.put("after", b("ok"), Consistency.QUORUM)));
  }

  @Test
  void aRequestWhoseDeadlinePassedIsRefusedAndNothingIsWritten() {
    SimCluster cluster = cluster();
    var node = cluster.node(2);
    assertThatThrownBy(() -> cluster.await(node.admitted(0, () -> node.put("late", b("x"), Consistency.ONE))))
        .isInstanceOf(OverloadedException.class)
        .hasMessageContaining("deadline passed");
    cluster.runFor(Duration.ofSeconds(1));
    for (int replica : cluster.nodeIds()) {
      assertThat(cluster.disk(replica).get("late")).isEmpty();
    }
  }

  @Test
  void aRequestThatFailsStillGivesBackItsSlot() {
    SimCluster cluster = cluster();
    var node = cluster.node(1);
    for (int i = 0; i < 3 * LIMIT; i++) {
      // An invalid key fails inside the admitted request: its slot must not leak.
      CompletableFuture<WriteResult> bad = node.admitted(Long.MAX_VALUE, () -> node.put("", b("x"), Consistency.ONE));
      assertThatThrownBy(() -> cluster.await(bad)).isNotInstanceOf(OverloadedException.class);
    }
    assertThat(cluster.await(node.admissionStats()).inFlight()).isZero();
  }
}
