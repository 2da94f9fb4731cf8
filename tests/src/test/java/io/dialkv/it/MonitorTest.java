package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code start-cluster.sh --monitor} with a real Prometheus (Debian's package, which the script
 * installs when run as root): request rates per level, latency quantiles, unavailability while a
 * node is dead and hint replay after its restart all show up through Prometheus' HTTP API, and
 * every PromQL expression of the Grafana dashboard under deploy/ parses and returns data.
 */
class MonitorTest {
  private static final Path DASHBOARD = ScriptedCluster.ROOT.resolve("deploy/grafana/dialkv-dashboard.json");
  private final ScriptedCluster cluster = new ScriptedCluster("monitor-test-");
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private int prometheusPort;

  @AfterEach
  void cleanUp() throws IOException {
    cluster.close();
  }

  private static boolean prometheusInstalledOrInstallable() {
    boolean installed = System.getenv("PATH") != null && List.of(System.getenv("PATH").split(":")).stream()
        .anyMatch(dir -> Files.isExecutable(Path.of(dir, "prometheus")));
    return installed || "root".equals(System.getProperty("user.name"));
  }

  /** An instant query's result vector (failing the test if Prometheus says the query is bad). */
  private JsonArray query(String promql) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    JsonObject body = JsonParser.parseString(r.body()).getAsJsonObject();
    assertThat(body.get("status").getAsString()).as(promql + " -> " + r.body()).isEqualTo("success");
    return body.getAsJsonObject("data").getAsJsonArray("result");
  }

  /** The value of a query that returns one series (NaN if none). */
  private double value(String promql) throws Exception {
    JsonArray result = query(promql);
    return result.isEmpty() ? Double.NaN : Double.parseDouble(result.get(0).getAsJsonObject()
        .getAsJsonArray("value").get(1).getAsString());
  }

  private void load(String level, int rate, String seconds) throws Exception {
    ScriptedCluster.Run bench = cluster.run("dialkv", "bench", "-c", level, "--rate", String.valueOf(rate),
        "--duration", seconds, "--read-ratio", "0.5", "--keys", "1000");
    assertThat(bench.exit()).as(bench.out()).isZero();
  }

  @Test
  void prometheusSeesTheLevelsAKilledNodeAndTheHintsReplayedAndEveryDashboardQueryAnswers() throws Exception {
    Assumptions.assumeTrue(prometheusInstalledOrInstallable(),
        "needs Debian's prometheus package, or root so that start-cluster.sh --monitor can install it");
    int base = ScriptedCluster.freeBase(List.of(0, 1, 2, 1000, 1001, 1002, 2000, 2001, 2002, 3000));
    prometheusPort = base + 3000;
    ScriptedCluster.Run start = cluster.run("start-cluster.sh", "-n", "3", "-p", String.valueOf(base),
        "--name", cluster.name, "--monitor");
    assertThat(start.exit()).as(start.out()).isZero();
    assertThat(start.out()).contains("prometheus started", "http://127.0.0.1:" + prometheusPort);
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() ->
        assertThat(value("sum(up{job=\"dialkv\"})")).as("targets up").isEqualTo(3));

    load("QUORUM", 300, "5s");
    load("ONE", 300, "3s");
    load("LINEARIZABLE", 50, "3s");
    // One refused request per level, so that every errors-by-kind panel has a series. Through n1,
    // which is never killed: a series n3 counted would be gone after its restart.
    String tooLong = "k".repeat(300);
    for (String level : List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE")) {
      assertThat(cluster.run("dialkv", "get", tooLong, "-c", level, "-e", "127.0.0.1:" + base, "--direct").exit())
          .isEqualTo(2);
    }
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      for (String level : List.of("quorum", "one", "linearizable")) {
        assertThat(value("sum(increase(dialkv_requests_total{level=\"" + level + "\",outcome=\"ok\"}[1m]))"))
            .as(level + " requests in the last minute").isGreaterThan(0);
      }
      double p99 = value("histogram_quantile(0.99, sum by (le) (rate(dialkv_request_duration_seconds_bucket{level=\"quorum\"}[1m])))");
      assertThat(p99).as("QUORUM p99 (s)").isGreaterThan(0).isLessThan(10);
    });

    // n3 dies: ALL fails fast as unavailable, and writes leave hints for n3.
    assertThat(cluster.run("node.sh", "kill", "3").exit()).isZero();
    await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
        assertThat(cluster.run("dialkv", "get", "greeting", "-c", "ALL").exit()).isEqualTo(3));
    load("QUORUM", 200, "3s");
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      assertThat(value("sum(dialkv_requests_total{level=\"all\",outcome=\"unavailable\"})")).isGreaterThanOrEqualTo(1);
      assertThat(value("sum(dialkv_hints_pending{target=\"n3\"})")).isGreaterThan(0);
      assertThat(value("sum(up{job=\"dialkv\",node=\"n3\"})")).isZero();
    });

    // Back: the hints are replayed, and Prometheus sees it.
    assertThat(cluster.run("node.sh", "start", "3").exit()).isZero();
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
      assertThat(value("sum(dialkv_hints_replayed_total{target=\"n3\"})")).isGreaterThan(0);
      assertThat(value("sum(dialkv_hints_pending{target=\"n3\"}) or vector(0)")).isZero();
    });

    // Every expression of the dashboard, as Grafana would send it.
    List<String> failures = new ArrayList<>();
    List<String> expressions = dashboardExpressions();
    assertThat(expressions).hasSizeGreaterThan(20);
    for (String expr : expressions) {
      JsonArray result = query(expr.replace("$__rate_interval", "1m"));
      if (result.isEmpty()) {
        failures.add(expr);
      }
    }
    assertThat(failures).as("dashboard queries that returned no data").isEmpty();

    ScriptedCluster.Run stop = cluster.run("stop-cluster.sh", "--wipe");
    assertThat(stop.exit()).as(stop.out()).isZero();
    assertThat(stop.out()).contains("prometheus stopped");
    for (long pid : cluster.pids()) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).as("pid " + pid).isFalse();
    }
  }

  private static List<String> dashboardExpressions() throws IOException {
    List<String> expressions = new ArrayList<>();
    for (JsonElement panel : JsonParser.parseString(Files.readString(DASHBOARD)).getAsJsonObject().getAsJsonArray("panels")) {
      JsonObject p = panel.getAsJsonObject();
      if (p.has("targets")) {
        p.getAsJsonArray("targets").forEach(t -> expressions.add(t.getAsJsonObject().get("expr").getAsString()));
      }
    }
    return expressions;
  }
}
