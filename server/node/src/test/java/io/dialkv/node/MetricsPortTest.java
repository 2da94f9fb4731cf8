package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dialkv.core.node.NodeConfig;
import io.dialkv.security.CertificateAuthority;
import io.dialkv.security.Role;
import io.dialkv.security.Tls;
import io.dialkv.security.Tokens;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics port of a real node: Prometheus text, behind the cluster's TLS and credentials. */
class MetricsPortTest {
  @TempDir Path dir;
  private NodeServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private void start(NodeServer.Security security) throws IOException {
    NodeConfig config = NodeConfig.defaults(1, Map.of(1, "127.0.0.1:" + freePort())).withReplicationFactor(1);
    server = NodeServer.start(config, new InetSocketAddress("127.0.0.1", freePort()), dir.resolve("data"),
        NodeServer.Options.defaults().withSecurity(security)
            .withMetricsListen(new InetSocketAddress("127.0.0.1", 0)));
  }

  private static HttpResponse<String> get(HttpClient client, String url, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A client trusting the cluster CA, presenting the certificate in {@code certs} if it has one. */
  private static HttpClient https(Path certs) {
    return HttpClient.newBuilder().sslContext(Tls.forClient(certs).httpsClient()).connectTimeout(Duration.ofSeconds(5)).build();
  }

  @Test
  void anInsecureNodeServesItsMetricsToAnyone() throws Exception {
    start(NodeServer.Security.insecure());
    HttpResponse<String> r = get(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.metricsPort() + "/metrics", null);

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body())
        .contains("dialkv_requests_total{level=\"quorum\",operation=\"put\",outcome=\"ok\"} 0.0")
        .contains("dialkv_request_duration_seconds_bucket{level=\"linearizable\",operation=\"get\",le=\"0.005\"} 0")
        .contains("dialkv_members{alive=\"true\",state=\"normal\"} 1.0")
        .contains("dialkv_requests_in_flight{kind=\"limit\"}")
        .contains("jvm_memory_used_bytes");
    // The consistency story starts at zero, every fixed series present; storage reads RocksDB.
    assertThat(r.body())
        .contains("dialkv_read_disagreements_total{level=\"quorum\"} 0.0")
        .contains("dialkv_read_repairs_total{mode=\"background\"} 0.0")
        .contains("dialkv_stale_reads_at_one_total 0.0")
        .contains("dialkv_paxos_contention_retries_total{kind=\"cas\"} 0.0")
        .contains("dialkv_repair_sessions_total 0.0")
        .contains("dialkv_stream_bytes_total 0.0")
        .containsPattern("dialkv_storage_memtable_bytes [1-9]")
        .contains("dialkv_storage_pending_compaction_bytes ");
  }

  @Test
  void withTlsAScraperNeedsATokenOrACertificateFromTheClusterCa() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create(dir.resolve("ca"), "test", Duration.ofDays(1));
    ca.issueNode(1, List.of(), Duration.ofDays(1), dir.resolve("n1"));
    ca.issueClient("prometheus", Role.READ, Duration.ofDays(1), dir.resolve("scraper"));
    Path tokens = dir.resolve("tokens");
    String token = Tokens.create(tokens, "prometheus", Role.READ, dir.resolve("prometheus.token"));
    start(new NodeServer.Security(dir.resolve("n1"), tokens));
    String url = "https://127.0.0.1:" + server.metricsPort() + "/metrics";
    HttpClient caOnly = https(dir.resolve("ca")); // trusts the CA, shows no certificate

    HttpResponse<String> withToken = get(caOnly, url, token);
    assertThat(withToken.statusCode()).isEqualTo(200);
    assertThat(withToken.body()).contains("dialkv_requests_total");

    HttpResponse<String> anonymous = get(caOnly, url, null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
    assertThat(anonymous.body()).doesNotContain("dialkv_");
    assertThat(get(caOnly, url, "forged-" + token).statusCode()).isEqualTo(401);
    assertThat(get(caOnly, url, "x".repeat(4_000)).statusCode()).isEqualTo(401);

    HttpResponse<String> certified = get(https(dir.resolve("scraper")), url, null);
    assertThat(certified.statusCode()).isEqualTo(200);
    assertThat(certified.body()).contains("dialkv_members");

    // Plain HTTP to the HTTPS port gets nothing.
    assertThatThrownBy(() -> get(HttpClient.newHttpClient(), url.replace("https:", "http:"), token))
        .isInstanceOf(IOException.class);
  }

  @Test
  void theProbesNeedNoCredentialsAndOpenNothingElse() throws Exception {
    CertificateAuthority ca = CertificateAuthority.create(dir.resolve("ca"), "test", Duration.ofDays(1));
    ca.issueNode(1, List.of(), Duration.ofDays(1), dir.resolve("n1"));
    Path tokens = dir.resolve("tokens");
    Tokens.create(tokens, "prometheus", Role.READ, dir.resolve("prometheus.token"));
    start(new NodeServer.Security(dir.resolve("n1"), tokens));
    String base = "https://127.0.0.1:" + server.metricsPort();
    HttpClient caOnly = https(dir.resolve("ca"));

    assertThat(get(caOnly, base + "/-/healthy", null).statusCode()).isEqualTo(200);
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      HttpResponse<String> ready = get(caOnly, base + "/-/ready", null);
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(ready.body()).isEqualTo("ready\n");
    });
    // Only those two exact paths are open: the metrics, anything else, and tricks still need a credential.
    for (String path : List.of("/metrics", "/", "/-/ready/../metrics", "/-/healthy/x", "/-/readyz")) {
      HttpResponse<String> r = get(caOnly, base + path, null);
      assertThat(r.statusCode()).as(path).isEqualTo(401);
      assertThat(r.body()).as(path).doesNotContain("dialkv_");
    }
  }

  @Test
  void aNodeThatSeesNoPeerIsNotReady() throws Exception {
    NodeConfig config = NodeConfig.defaults(1, Map.of(1, "127.0.0.1:" + freePort(), 2, "127.0.0.1:" + freePort()))
        .withReplicationFactor(2);
    server = NodeServer.start(config, new InetSocketAddress("127.0.0.1", freePort()), dir.resolve("data"),
        NodeServer.Options.defaults().withSecurity(NodeServer.Security.insecure())
            .withMetricsListen(new InetSocketAddress("127.0.0.1", 0)));
    HttpResponse<String> ready = get(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.metricsPort() + "/-/ready", null);
    assertThat(ready.statusCode()).isEqualTo(503);
    assertThat(ready.body()).startsWith("not ready");
    assertThat(get(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.metricsPort() + "/nothing", null).statusCode())
        .isEqualTo(404);
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAndTheNodeKeepsServingMetrics() throws Exception {
    start(NodeServer.Security.insecure());
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < 80; i++) {
        Socket s = new Socket("127.0.0.1", server.metricsPort());
        s.setSoTimeout(20);
        sockets.add(s);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> sockets.stream().filter(MetricsPortTest::closedByServer).count() >= 16);
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(get(HttpClient.newHttpClient(), "http://127.0.0.1:" + server.metricsPort() + "/metrics", null).statusCode())
            .isEqualTo(200));
  }

  private static boolean closedByServer(Socket s) {
    try {
      return s.getInputStream().read() < 0;
    } catch (java.net.SocketTimeoutException stillOpen) {
      return false;
    } catch (IOException reset) {
      return true;
    }
  }
}
