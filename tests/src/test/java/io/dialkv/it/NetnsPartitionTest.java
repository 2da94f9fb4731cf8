package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.harness.NetnsNetwork;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.Liveness;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The network-namespace partition back-end: three nodes, each in its own namespace with its own
 * address; iptables drops real packets between n1 and the others. Needs Linux, root and iptables
 * (the CI script installs iptables); skipped elsewhere.
 */
class NetnsPartitionTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void packetsDroppedByIptablesPartitionTheClusterAndHealingRestoresIt() throws Exception {
    assumeTrue(NetnsNetwork.available(), "needs Linux, root, iproute2 and iptables");
    try (ProcessCluster cluster = new ProcessCluster(3, 3, Clusters.nodeJar(), Clusters.dir(), false,
        new NetnsNetwork(3))) {
      cluster.awaitHealthy(Duration.ofSeconds(90));
      assertThat(cluster.node(1).endpoint()).startsWith("10.213.").endsWith(":7101");
      try (DialClient all = cluster.client(); DialClient n1 = cluster.clientOf(1); DialClient n2 = cluster.clientOf(2)) {
        all.put("k", utf8("before"), Consistency.ALL);

        cluster.setLinkRules(1, Set.of(2, 3));
        cluster.setLinkRules(2, Set.of(1));
        cluster.setLinkRules(3, Set.of(1));
        awaitSeenDown(n2, 1);
        // n1 must see both peers go before its QUORUM write can fail fast as unavailable; with one
        // still seen up it tries, and the write times out (indeterminate) instead.
        awaitSeenDown(n1, 2);
        awaitSeenDown(n1, 3);

        // The majority side keeps writing; the isolated node still answers ONE from its own copy.
        n2.put("k", utf8("after"), Consistency.QUORUM);
        assertThat(n1.get("k", Consistency.ONE, false).getValue().toStringUtf8()).isEqualTo("before");
        assertThatThrownBy(() -> n1.put("k", utf8("minority"), Consistency.QUORUM))
            .isInstanceOfSatisfying(DialException.class,
                e -> assertThat(e.kind()).isEqualTo(DialException.Kind.UNAVAILABLE));

        for (int node : List.of(1, 2, 3)) {
          cluster.setLinkRules(node, Set.of());
        }
        cluster.awaitHealthy(Duration.ofSeconds(60));
        assertThat(n1.get("k", Consistency.QUORUM, false).getValue().toStringUtf8()).isEqualTo("after");
      }
    }
  }

  private static void awaitSeenDown(DialClient observer, int node) {
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
        .until(() -> observer.topology().getNodesList().get(node - 1).getLiveness() == Liveness.DOWN);
  }
}
