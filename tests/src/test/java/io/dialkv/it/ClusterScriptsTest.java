package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.security.Tls;
import io.dialkv.security.Tokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README tour's script steps, as a new user runs them: start a secure cluster, write, kill a
 * node (its writes go to hints), bring it back, see it caught up, and stop the cluster with a node
 * already dead — every node stops, --wipe wipes, nothing is left running.
 */
class ClusterScriptsTest {
  private final ScriptedCluster cluster = new ScriptedCluster("script-test-");
  private final String name = cluster.name;
  private final Path clusterDir = cluster.dir;

  private ScriptedCluster.Run run(String script, String... args) throws Exception {
    return cluster.run(script, args);
  }

  /** A base port whose three client, three peer and three metrics ports are free. */
  private static int freeBase() throws IOException {
    return ScriptedCluster.freeBase(List.of(0, 1, 2, 1000, 1001, 1002, 2000, 2001, 2002));
  }

  private int basePort() throws IOException {
    return cluster.basePort();
  }

  @AfterEach
  void cleanUp() throws IOException {
    cluster.close(); // whatever the test did: stop what it started (by pid), remove its folder
  }

  /** The value of one series summed over the live nodes' metrics ports (only n3 may be down). */
  private long sumOverNodes(String series) throws Exception {
    Tls tls = Tls.forClient(clusterDir.resolve("certs/ca-only"));
    try {
      HttpClient client = HttpClient.newBuilder().sslContext(tls.httpsClient()).connectTimeout(Duration.ofSeconds(5)).build();
      String token = Tokens.readTokenFile(clusterDir.resolve("tokens/read.token"));
      long sum = 0;
      for (int node = 1; node <= 3; node++) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + (basePort() + 2000 + node - 1) + "/metrics"))
            .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r;
        try {
          r = client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException down) {
          assertThat(node).as("n" + node + "'s metrics port: " + down).isEqualTo(3);
          continue;
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        sum += r.body().lines().filter(l -> l.startsWith(series + " "))
            .mapToLong(l -> (long) Double.parseDouble(l.substring(series.length() + 1).trim())).sum();
      }
      return sum;
    } finally {
      tls.close();
    }
  }

  @Test
  void theTourRunsAndStopClusterCopesWithADeadNode() throws Exception {
    ScriptedCluster.Run start = run("start-cluster.sh", "-n", "3", "-p", String.valueOf(freeBase()), "--name", name);
    assertThat(start.exit()).as(start.out()).isZero();
    assertThat(start.out()).contains("made the cluster's CA", "cluster '" + name + "' is up: 3 nodes");
    assertThat(clusterDir.resolve("certs/admin/client.crt")).exists();

    assertThat(run("dialkv", "put", "greeting", "hello", "--consistency", "QUORUM").out()).isEqualTo("OK\n");
    // That networked command left the CLI's class archive (if an earlier one had not), made from
    // the jar as it is now: -Xshare:on fails the JVM's start if the archive cannot be used.
    Path cliJar = ScriptedCluster.ROOT.resolve("cli/target/dialkv-cli.jar");
    Path archive = ScriptedCluster.ROOT.resolve("cli/target/dialkv-cli.jsa");
    assertThat(archive).exists();
    assertThat(Files.getLastModifiedTime(archive)).isGreaterThan(Files.getLastModifiedTime(cliJar));
    ScriptedCluster.Run shared = cluster.runWithEnv(Map.of("DIALKV_CLI_JAVA_OPTS", "-Xshare:on"), "dialkv", "get", "greeting");
    assertThat(shared.out()).isEqualTo("hello\n");
    // Each node's metrics port counts what it coordinated, by level and outcome, behind TLS and a token.
    assertThat(sumOverNodes("dialkv_requests_total{level=\"quorum\",operation=\"put\",outcome=\"ok\"}")).isEqualTo(1);
    assertThat(sumOverNodes("dialkv_peer_call_duration_seconds_count{peer=\"n3\"}")).as("calls timed").isPositive();
    ScriptedCluster.Run kill = run("node.sh", "kill", "3");
    assertThat(kill.out()).contains("n3 killed (SIGKILL)");
    // ALL needs n3: once the failure detector knows, it fails fast and says why.
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
      ScriptedCluster.Run all = run("dialkv", "get", "greeting", "--consistency", "ALL");
      assertThat(all.exit()).as(all.out()).isEqualTo(3);
      assertThat(all.out()).contains("UNAVAILABLE: read needed 3 of 3 replicas, 2 alive (down: n3)");
    });
    assertThat(sumOverNodes("dialkv_requests_total{level=\"all\",operation=\"get\",outcome=\"unavailable\"}"))
        .isGreaterThanOrEqualTo(1);
    // dialkv top goes on with a node dead: it shows it down, and the others' figures.
    ScriptedCluster.Run top = run("dialkv", "top", "--count", "1", "--interval", "500ms");
    assertThat(top.exit()).as(top.out()).isZero();
    assertThat(top.out()).containsPattern("n1 +up +[0-9,]+ ").containsPattern("n2 +up +[0-9,]+ ")
        .containsPattern("n3 +down +- .*not answering at 127.0.0.1:").contains("QUORUM", "LINEARIZABLE");
    assertThat(run("dialkv", "put", "greeting", "hola", "--consistency", "ONE").exit()).isZero();
    assertThat(run("dialkv", "hints").out()).contains("n3");
    assertThat(sumOverNodes("dialkv_hints_stored_total{target=\"n3\"}")).isGreaterThanOrEqualTo(1);

    // Back on its data, n3 gets the missed write from the hints within seconds.
    // The shell: one JVM, session settings, and n3 started again from it.
    ScriptedCluster.Run shell = cluster.runWithInput(
        "consistency ALL\nget greeting\nconsistency quorum\ntrace on\nget greeting\nconsistency bogus\nstart 3\nexit\n",
        "dialkv", "shell", "--history-file", clusterDir.resolve("shell-history").toString());
    assertThat(shell.exit()).as(shell.out()).isZero();
    assertThat(shell.out()).contains("consistency: ALL", "UNAVAILABLE: read needed 3 of 3 replicas",
        "consistency: QUORUM", "trace: on", "hola\n", "coordinator n", "QUORUM: needed 2 of 3 replicas",
        "error: no consistency level 'bogus'", "n3 started");
    assertThat(clusterDir.resolve("shell-history")).content().contains("consistency quorum", "start 3");
    int n3 = basePort() + 2;
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      ScriptedCluster.Run direct = run("dialkv", "get", "greeting", "--consistency", "ONE", "-e", "127.0.0.1:" + n3, "--direct");
      assertThat(direct.out()).isEqualTo("hola\n");
    });
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        assertThat(sumOverNodes("dialkv_hints_replayed_total{target=\"n3\"}")).isGreaterThanOrEqualTo(1));

    // Kill a node, then stop the cluster: every other node stops too, and --wipe wipes.
    assertThat(run("node.sh", "kill", "1").exit()).isZero();
    ScriptedCluster.Run stop = run("stop-cluster.sh", "--wipe");
    assertThat(stop.exit()).as(stop.out()).isZero();
    assertThat(stop.out()).contains("n1 is not running", "n2 stopped", "n3 stopped", "removed .dialkv/" + name);
    assertThat(clusterDir).doesNotExist();
    for (long pid : cluster.pids()) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid).isFalse();
    }
  }
}
