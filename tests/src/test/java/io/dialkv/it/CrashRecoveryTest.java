package io.dialkv.it;

import io.dialkv.harness.ProcessCluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.ReplicaReply;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real node processes: SIGKILL one, keep serving at QUORUM, restart it, and find that it kept
 * every write it had acknowledged.
 */
class CrashRecoveryTest {
  private ProcessCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = Clusters.start(3, 3);
    cluster.awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void killedNodeLosesNoAcknowledgedWriteAndQuorumKeepsServing() throws Exception {
    try (DialClient client = cluster.client()) {
      for (int i = 0; i < 100; i++) {
        client.put("before-" + i, utf8("v" + i), Consistency.ALL);
      }

      cluster.node(2).kill();

      // Every request at QUORUM still succeeds, through any endpoint, while n2 is dead: the client
      // fails over from n2's endpoint, coordinators replace n2 by the third replica.
      for (int i = 0; i < 100; i++) {
        client.put("during-" + i, utf8("d" + i), Consistency.QUORUM);
        assertThat(client.get("before-" + i, Consistency.QUORUM, false).getValue().toStringUtf8()).isEqualTo("v" + i);
      }
      cluster.awaitHealthy(Duration.ofSeconds(30)); // n1 and n3 now see n2 down
      assertThatThrownBy(() -> client.get("before-1", Consistency.ALL, false))
          .isInstanceOfSatisfying(DialException.class, e -> {
            assertThat(e.kind()).isEqualTo(DialException.Kind.UNAVAILABLE);
            assertThat(e.getMessage()).contains("needed 3 of 3 replicas, 2 alive (down: n2)");
          });

      cluster.node(2).start();
      cluster.awaitHealthy(Duration.ofSeconds(60));
    }

    // n2 answers from its own RocksDB: every write it acknowledged before the kill is there.
    try (DialClient onlyN2 = cluster.clientOf(2)) {
      for (int i = 0; i < 100; i++) {
        GetResponse r = onlyN2.get("before-" + i, Consistency.ONE, false);
        assertThat(r.getProvenance().getRepliesList()).extracting(ReplicaReply::getNodeId).containsExactly(2);
        assertThat(r.getValue().toStringUtf8()).isEqualTo("v" + i);
      }
      // What it missed while dead comes back through QUORUM reads (read repair).
      GetResponse missed = onlyN2.get("during-7", Consistency.QUORUM, false);
      assertThat(missed.getValue().toStringUtf8()).isEqualTo("d7");
    }
  }

  @Test
  void sigtermStopsANodeGracefullyAndItRestartsOnItsData() throws Exception {
    try (DialClient client = cluster.client()) {
      client.put("kept", utf8("yes"), Consistency.ALL);
    }
    int exit = cluster.node(3).stop();

    assertThat(exit).isEqualTo(143); // 128 + SIGTERM, after the shutdown hook ran
    assertThat(java.nio.file.Files.readString(cluster.node(3).log())).contains("n3: shutting down").contains("n3: stopped");

    cluster.node(3).start();
    cluster.awaitHealthy(Duration.ofSeconds(60));
    try (DialClient onlyN3 = cluster.clientOf(3)) {
      assertThat(onlyN3.get("kept", Consistency.ONE, false).getValue().toStringUtf8()).isEqualTo("yes");
    }
  }

  @Test
  void anUnreachableEndpointIsSkippedAndOnlyAllUnreachableIsAnError() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    String dead = "127.0.0.1:" + closedPort;
    try (DialClient client =
        DialClient.builder().credentials(cluster.credentials()).endpoints(List.of(dead, cluster.node(1).endpoint())).build()) {
      for (int i = 0; i < 4; i++) { // round-robin starts on the dead endpoint every other call
        client.put("failover-" + i, utf8("x"), Consistency.QUORUM);
      }
    }
    try (DialClient client = DialClient.builder().credentials(cluster.credentials()).endpoints(List.of(dead)).build()) {
      assertThatThrownBy(() -> client.get("k", Consistency.ONE, false))
          .isInstanceOfSatisfying(DialException.class, e -> {
            assertThat(e.kind()).isEqualTo(DialException.Kind.NO_ENDPOINT);
            assertThat(e.getMessage()).contains("no dialkv node reachable").contains(dead);
          });
    }
  }
}
