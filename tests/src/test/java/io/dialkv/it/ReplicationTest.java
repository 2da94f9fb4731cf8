package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.client.DialClient;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Writes reach every live replica whatever their level: the level only decides how many
 * acknowledgements the client waits for. Checked by reading each replica alone at ONE.
 */
class ReplicationTest {
  private static ProcessCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = Clusters.start(3, 3);
    cluster.awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  @Test
  void aWriteAcknowledgedAtOneByItsCoordinatorReachesTheOtherReplicas() {
    for (int coordinator = 1; coordinator <= 3; coordinator++) {
      String value = "from-n" + coordinator;
      try (DialClient direct = cluster.clientOf(coordinator)) {
        // The coordinator is a replica: its own copy acknowledges, and the client has its answer
        // before the other replicas have theirs.
        direct.put("everywhere", value.getBytes(StandardCharsets.UTF_8), Consistency.ONE);
      }
      for (int replica = 1; replica <= 3; replica++) {
        try (DialClient only = cluster.clientOf(replica)) {
          await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
              assertThat(only.get("everywhere", Consistency.ONE, false).getValue().toStringUtf8()).isEqualTo(value));
        }
      }
    }
  }
}
