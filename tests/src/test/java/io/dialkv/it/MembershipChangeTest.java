package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dialkv.cli.DialCli;
import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.harness.NodeProcess;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.MembershipChangeResponse;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.TopologyResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Real node processes: a sixth node joins a five-node cluster under a steady QUORUM workload, then a
 * founding node is decommissioned under the same workload; no acknowledged write is lost, and the
 * ring's shares follow. Changes the cluster cannot afford are refused with their reason.
 */
class MembershipChangeTest {

  private static Map<Integer, NodeInfo> byId(TopologyResponse t) {
    Map<Integer, NodeInfo> m = new HashMap<>();
    t.getNodesList().forEach(n -> m.put(n.getNodeId(), n));
    return m;
  }

  private static TokenRing ringOf(TopologyResponse t) {
    Map<Integer, List<Long>> tokens = new HashMap<>();
    t.getNodesList().forEach(n -> tokens.put(n.getNodeId(), n.getTokensList()));
    return TokenRing.of(tokens, t.getReplicationFactor());
  }

  private static void awaitMoreWrites(SteadyWorkload workload, long more) {
    long target = workload.writesOk.get() + more;
    await().atMost(Duration.ofSeconds(60)).until(() -> workload.writesOk.get() >= target);
  }

  @Test
  void aNodeJoinsAndAnotherIsDecommissionedUnderQuorumWritesWithoutLosingAnAcknowledgedWrite() throws Exception {
    try (ProcessCluster cluster = Clusters.start(5, 3)) {
      cluster.awaitHealthy(Duration.ofSeconds(60));
      try (DialClient client = cluster.client()) {
        TopologyResponse before = client.topology();
        SteadyWorkload workload =
            new SteadyWorkload(client, Consistency.QUORUM, 8, 400_000, Duration.ofMinutes(3), true).start();
        awaitMoreWrites(workload, 300);

        NodeProcess sixth = cluster.startJoiningNode();
        cluster.awaitJoined(sixth.id(), Duration.ofSeconds(120));
        awaitMoreWrites(workload, 300);
        TopologyResponse joined = client.topology(sixth.endpoint());

        MembershipChangeResponse left = cluster.decommission(2, Duration.ofSeconds(120));
        awaitMoreWrites(workload, 300);
        workload.close();
        TopologyResponse after = client.topology(cluster.node(1).endpoint());

        // Ring shares: n6 takes about a sixth of the ring from the others, then n2's share is spread.
        Map<Integer, NodeInfo> b = byId(before);
        Map<Integer, NodeInfo> j = byId(joined);
        assertThat(j).containsKeys(1, 2, 3, 4, 5, 6);
        assertThat(j.get(6).getRingShare()).isBetween(0.05, 0.35);
        for (int id = 1; id <= 5; id++) {
          assertThat(j.get(id).getReplicaShare()).as("n%d's replica share after the join", id)
              .isLessThan(b.get(id).getReplicaShare());
        }
        assertThat(j.values().stream().mapToDouble(NodeInfo::getRingShare).sum()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(byId(after)).containsOnlyKeys(1, 3, 4, 5, 6);
        assertThat(left.getRowsStreamed()).isPositive();
        assertThat(left.getSourceNodeIdsList()).containsExactly(2);

        // No acknowledged write lost: each reads back at QUORUM through the balancer.
        assertThat(workload.acknowledged).hasSizeGreaterThan(900);
        List<String> lost = new ArrayList<>();
        workload.acknowledged.forEach((key, value) -> {
          GetResponse r = client.get(key, Consistency.QUORUM, false);
          if (!r.getFound() || !r.getValue().toStringUtf8().equals(value)) {
            lost.add(key);
          }
        });
        assertThat(lost).as("acknowledged writes not read back").isEmpty();
        assertThat(workload.readFailures).as("failed reads").hasSizeLessThan(20);

        // n6 serves reads of its ranges from its own copy: every acknowledged key it is a replica
        // of, read at ONE through n6 alone.
        TokenRing ring = ringOf(after);
        int checked = 0;
        try (DialClient viaSixth = cluster.clientOf(6)) {
          for (Map.Entry<String, String> e : workload.acknowledged.entrySet()) {
            if (ring.replicasFor(e.getKey()).contains(6)) {
              GetResponse r = viaSixth.get(e.getKey(), Consistency.ONE, false);
              assertThat(r.getValue().toStringUtf8()).as("%s read at ONE from n6", e.getKey()).isEqualTo(e.getValue());
              checked++;
            }
          }
        }
        assertThat(checked).isGreaterThan(workload.acknowledged.size() / 5);
      }
    }
  }

  @Test
  void changesTheClusterCannotAffordAreRefusedWithTheirReason() throws Exception {
    try (ProcessCluster cluster = Clusters.start(3, 3)) {
      cluster.awaitHealthy(Duration.ofSeconds(60));
      try (DialClient client = cluster.client()) {
        assertThatThrownBy(() -> client.decommission(3, Duration.ofSeconds(30)))
            .isInstanceOfSatisfying(DialException.class, e -> {
              assertThat(e.kind()).isEqualTo(DialException.Kind.REFUSED);
              assertThat(e.getMessage()).contains(
                  "cannot decommission n3: the 2 nodes left could not hold 3 replicas of each key");
            });
        assertThatThrownBy(() -> client.removeNode(2, Duration.ofSeconds(30)))
            .isInstanceOfSatisfying(DialException.class, e -> {
              assertThat(e.kind()).isEqualTo(DialException.Kind.REFUSED);
              assertThat(e.getMessage()).contains("n2 is up; decommission it");
            });
        assertThatThrownBy(() -> client.decommission(9, Duration.ofSeconds(30)))
            .isInstanceOfSatisfying(DialException.class, e ->
                assertThat(e.getMessage()).contains("n9 is not a member; members are [n1, n2, n3]"));
        assertThat(client.topology().getNodesCount()).isEqualTo(3);
      }
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int exit = DialCli.run(new String[] {"node", "decommission", "1", "-e", cluster.node(1).endpoint(), "--certs-dir", cluster.certsDir("admin").toString()},
          new PrintWriter(out, true), new PrintWriter(err, true));
      assertThat(exit).as("exit status of a refused change").isEqualTo(5);
      assertThat(err.toString()).contains("cannot decommission n1: the 2 nodes left could not hold 3 replicas");

      // A node started with an id already in use is refused before it starts.
      Path data = Files.createTempDirectory(Clusters.dir().toAbsolutePath(), "duplicate-");
      int port;
      int peerPort;
      try (ServerSocket s = new ServerSocket(0); ServerSocket p = new ServerSocket(0)) {
        port = s.getLocalPort();
        peerPort = p.getLocalPort();
      }
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process duplicate = new ProcessBuilder(java, "-jar", Clusters.nodeJar().toString(),
          "--node-id", "2", "--listen", "127.0.0.1:" + port, "--peer-listen", "127.0.0.1:" + peerPort,
          "--join", cluster.node(1).peerEndpoint(), "--certs-dir", cluster.certsDir("n2").toString(),
          "--data-dir", data.toString())
          .redirectErrorStream(true)
          .start();
      try {
        assertThat(duplicate.waitFor(60, TimeUnit.SECONDS)).as("the refused node exits").isTrue();
        String output = new String(duplicate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(duplicate.exitValue()).isEqualTo(1);
        assertThat(output).contains("node id 2 is already in use by the member at " + cluster.node(2).peerEndpoint());
      } finally {
        duplicate.destroyForcibly();
      }
    }
  }
}
