package io.dialkv.it;

import io.dialkv.harness.ProcessCluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.dialkv.cli.DialCli;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dialkv command line against a real three-node cluster: output and exit codes. */
class CliTest {
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

  private record Result(int exit, String out, String err) {}

  private static Result dialkv(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    if (!all.contains("--help") && !all.contains("-e")) {
      all.add("-e");
      all.add(String.join(",", cluster.endpoints()));
    }
    if (!all.contains("--help") && !all.contains("--certs-dir")) {
      all.add("--certs-dir");
      all.add(cluster.certsDir("admin").toString());
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = DialCli.run(all.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true));
    return new Result(exit, out.toString(), err.toString());
  }

  @Test
  void putThenTracedGetShowsTheValueAndEveryReplica() {
    assertThat(dialkv("put", "greeting", "hello", "--consistency", "QUORUM").exit()).isZero();

    Result r = dialkv("get", "greeting", "--consistency", "ONE", "--trace");

    assertThat(r.exit()).isZero();
    assertThat(r.out()).startsWith("hello\n").contains("needed 1 of 3 replicas");
    assertThat(r.out().lines().filter(l -> l.matches("^n[123] .*"))).hasSize(3);
    assertThat(dialkv("get", "nobody").out()).isEqualTo("(not found)\n");
  }

  @Test
  void profileUpdateThenJsonRead() {
    Result update = dialkv("profile", "update", "user-42", "--set", "display_name=Ada",
        "--set", "email=ada@example.org", "--consistency", "ALL");
    assertThat(update.exit()).as(update.err()).isZero();

    Result get = dialkv("profile", "get", "user-42", "-o", "json");

    JsonObject json = JsonParser.parseString(get.out()).getAsJsonObject();
    assertThat(json.get("found").getAsBoolean()).isTrue();
    assertThat(json.getAsJsonObject("profile").get("display_name").getAsString()).isEqualTo("Ada");
    assertThat(json.getAsJsonObject("profile").get("email").getAsString()).isEqualTo("ada@example.org");
    assertThat(json.getAsJsonArray("versions")).hasSize(2);
  }

  @Test
  void clusterStatusListsEveryNodeUpWithItsShare() {
    Result r = dialkv("cluster", "status");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("3 nodes, 3 up, replication factor 3");
    for (String endpoint : cluster.endpoints()) {
      assertThat(r.out()).containsPattern("n\\d +" + endpoint.replace(".", "\\.") + " +UP .* HEALTHY +0");
    }
    assertThat(r.out()).contains("(balancer: token-aware:least-connections");
  }

  @Test
  void usageErrorsExitWithTwo() {
    Result unknownLevel = dialkv("get", "k", "--consistency", "TWO");
    assertThat(unknownLevel.exit()).isEqualTo(2);
    assertThat(unknownLevel.err()).contains("expected one of [ONE, QUORUM, ALL, LINEARIZABLE]");

    assertThat(dialkv("get").exit()).isEqualTo(2);
    assertThat(dialkv("frobnicate").exit()).isEqualTo(2);

    Result longKey = dialkv("put", "k".repeat(300), "v");
    assertThat(longKey.exit()).isEqualTo(2);
    assertThat(longKey.err()).contains("INVALID_ARGUMENT: key is 300 bytes, limit 256");

    Result policy = dialkv("get", "k", "--balancer", "random");
    assertThat(policy.exit()).isEqualTo(2);
    assertThat(policy.err()).contains("unknown balancer policy 'random'; use round-robin, least-connections");

    Result listen = dialkv("balancer", "--listen", "nowhere");
    assertThat(listen.exit()).isEqualTo(2);
    assertThat(listen.err()).contains("--listen must be HOST:PORT");

    Result field = dialkv("profile", "update", "u1", "--set", "shoe_size=44");
    assertThat(field.exit()).isEqualTo(2);
    assertThat(field.err()).contains("unknown profile field 'shoe_size'");
  }

  @Test
  void unreachableEndpointsExitWithThree() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    Result r = dialkv("get", "k", "-e", "127.0.0.1:" + closedPort);
    assertThat(r.exit()).isEqualTo(3);
    assertThat(r.err()).contains("no dialkv node reachable");
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] command : List.of(
        new String[] {"--help"},
        new String[] {"get", "--help"},
        new String[] {"put", "--help"},
        new String[] {"delete", "--help"},
        new String[] {"profile", "update", "--help"},
        new String[] {"cluster", "status", "--help"},
        new String[] {"bench", "--help"},
        new String[] {"check", "--help"},
        new String[] {"test", "--help"},
        new String[] {"balancer", "--help"},
        new String[] {"hints", "--help"},
        new String[] {"repair", "--help"})) {
      Result r = dialkv(command);
      assertThat(r.exit()).as(String.join(" ", command)).isZero();
      assertThat(r.out()).contains("Usage: dialkv");
    }
  }

  @Test
  void benchReportsThroughputAndLatency() {
    Result r = dialkv("bench", "--ops", "2000", "--warmup-ops", "200", "--keys", "100",
        "--concurrency", "8", "--consistency", "QUORUM", "-o", "json");
    assertThat(r.exit()).as(r.err()).isZero();
    JsonObject json = JsonParser.parseString(r.out()).getAsJsonObject();
    assertThat(json.get("ops_per_second").getAsDouble()).isPositive();
    assertThat(json.get("p99_ms").getAsDouble()).isGreaterThanOrEqualTo(json.get("p50_ms").getAsDouble());
    assertThat(json.get("errors").getAsLong()).isZero();
    // Every request went to a node, and the per-node counts add up to the measured operations.
    assertThat(json.getAsJsonObject("requests_per_node").entrySet().stream()
        .mapToLong(e -> e.getValue().getAsLong()).sum()).isEqualTo(2000);
    assertThat(json.get("balancer").getAsString()).isEqualTo("token-aware:least-connections");
  }

  @Test
  void hintsListsEveryNode() {
    Result r = dialkv("hints");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("node  pending hints").containsPattern("(?m)^n1 +none$")
        .contains("0 hints pending in all");
  }

  @Test
  void directAsksTheGivenNodeOnly() {
    String n2 = cluster.endpoints().get(1);
    Result r = dialkv("get", "greeting", "--consistency", "ONE", "--trace", "-e", n2, "--direct");
    assertThat(r.exit()).as(r.err()).isZero();
    assertThat(r.out()).contains("coordinator n2");
  }
}
