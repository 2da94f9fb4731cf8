package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.cli.DialCli;
import io.dialkv.client.DialClient;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.RepairResponse;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy repair across real processes, with hinted handoff and read repair off so that only
 * the repair can restore data: a node whose data directory was wiped gets every key back, and keys
 * deleted before the wipe stay deleted.
 */
class RepairTest {
  private static final Logger log = LoggerFactory.getLogger(RepairTest.class);
  private static final int KEYS = 2_000;
  private ProcessCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = Clusters.startWith(4, 3, "--read-repair-chance", "0", "--max-hints-per-node", "0");
    cluster.awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  @Test
  void aWipedNodeGetsEveryKeyBackAndDeletedKeysStayDeleted() throws Exception {
    try (DialClient client = cluster.client()) {
      for (int i = 0; i < KEYS; i++) {
        client.put("r-" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), Consistency.ALL);
      }
      for (int i = 0; i < KEYS; i += 10) {
        client.delete("r-" + i, Consistency.ALL);
      }
    }
    cluster.node(2).stop();
    cluster.node(2).wipeData();
    cluster.node(2).start();
    cluster.awaitHealthy(Duration.ofSeconds(60));

    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = DialCli.run(new String[] {"repair", "--node", "2", "-e", String.join(",", cluster.endpoints()), "-o", "json", "--certs-dir", cluster.certsDir("admin").toString()},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(exit).as(err.toString()).isZero();
    log.info("repair of wiped n2: {}", out.toString().replaceAll("\\s+", " "));
    assertThat(out.toString()).contains("\"rows_streamed\"");

    try (DialClient onlyN2 = cluster.clientOf(2)) {
      int held = 0;
      for (int i = 0; i < KEYS; i++) {
        var r = onlyN2.get("r-" + i, Consistency.ONE, false);
        if (!r.getProvenance().getReplicasList().contains(2)) {
          continue; // n2 coordinated a read of a key it holds no replica of
        }
        held++;
        if (i % 10 == 0) {
          assertThat(r.getFound()).as("r-%d was deleted", i).isFalse();
        } else {
          assertThat(r.getValue().toStringUtf8()).as("r-%d on n2", i).isEqualTo("v" + i);
        }
      }
      assertThat(held).isGreaterThan(KEYS / 2);
    }
  }

  @Test
  void repairingAnUnknownNodeIsAUsageError() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = DialCli.run(new String[] {"repair", "--node", "9", "-e", cluster.endpoints().get(0), "--certs-dir", cluster.certsDir("admin").toString()},
        new PrintWriter(out, true), new PrintWriter(err, true));
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("no node 9 in the cluster (nodes: [n1, n2, n3, n4])");
  }
}
