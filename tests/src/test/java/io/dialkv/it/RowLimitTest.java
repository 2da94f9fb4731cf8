package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetProfileResponse;
import io.dialkv.proto.v1.RepairResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One client, each request within its limits, trying to build a row too large for the messages
 * that carry rows between nodes: the update that would cross the row limit is refused, and the row
 * that exists reads at every level, repairs, and streams to a node that joins.
 */
class RowLimitTest {
  private static final String BIG = "x".repeat(900_000);

  @Test
  void aRowStaysSmallEnoughToReadRepairAndStream() throws Exception {
    try (ProcessCluster cluster = Clusters.start(3, 3)) {
      cluster.awaitHealthy(Duration.ofSeconds(60));
      try (DialClient client = cluster.client()) {
        client.updateProfile("big", Map.of("bio", BIG), List.of(), Consistency.ALL);
        client.updateProfile("big", Map.of("attributes.a", BIG), List.of(), Consistency.ALL);
        assertThatThrownBy(() -> client.updateProfile("big", Map.of("attributes.b", BIG), List.of(), Consistency.ALL))
            .isInstanceOfSatisfying(DialException.class, e -> {
              assertThat(e.kind()).isEqualTo(DialException.Kind.INVALID_ARGUMENT);
              assertThat(e.getMessage()).contains("the write would make row 'profile/big'")
                  .contains("limit 2097152 per row").contains("nothing was applied");
            });
        for (Consistency level : List.of(Consistency.ONE, Consistency.QUORUM, Consistency.ALL)) {
          GetProfileResponse r = client.getProfile("big", level, false);
          assertThat(r.getProfile().getBio()).hasSize(900_000);
          assertThat(r.getProfile().getAttributesMap()).containsOnlyKeys("a");
        }
        for (int node : cluster.nodeIds()) {
          RepairResponse repair = client.repair(cluster.node(node).endpoint(), Duration.ofSeconds(60));
          assertThat(repair.getFailedNodeIdsList()).isEmpty();
          assertThat(repair.getUnreachableNodeIdsList()).isEmpty();
        }
      }
      cluster.startJoiningNode();
      cluster.awaitJoined(4, Duration.ofSeconds(120));
      try (DialClient direct = cluster.clientOf(4)) {
        assertThat(direct.getProfile("big", Consistency.ALL, false).getProfile().getBio()).hasSize(900_000);
      }
    }
  }
}
