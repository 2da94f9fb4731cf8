package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.harness.NetnsNetwork;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Pods as a StatefulSet runs them, on emulated machines: each node in a network namespace of its
 * own whose hosts file names the others as the headless Service would (dialkv-0.dialkv-peers,
 * ...), started by the image's entrypoint with the Secrets make-secrets.sh made. Three form the
 * cluster by name; a fourth joins it by name; every node advertises its pod name.
 */
class KubernetesNamesTest {
  private static final Path ENTRYPOINT = ScriptedCluster.ROOT.resolve("deploy/docker/entrypoint.sh");
  private static final Path NODE_JAR = ScriptedCluster.ROOT.resolve("server/node/target/dialkv-node.jar");
  private static final Path CLI_JAR = ScriptedCluster.ROOT.resolve("cli/target/dialkv-cli.jar");

  private static final HttpClient KUBELET = HttpClient.newBuilder().sslContext(trustingAnyone())
      .connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;
  private NetnsNetwork net;
  private final List<Process> pods = new ArrayList<>();
  private final List<Path> hostsDirs = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (Process p : pods) {
      p.destroy();
    }
    for (Process p : pods) {
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (net != null) {
      net.close();
    }
    for (Path d : hostsDirs) {
      Files.deleteIfExists(d.resolve("hosts"));
      Files.deleteIfExists(d);
    }
  }

  @Test
  void podsFindEachOtherByNameAndALaterPodJoins() throws Exception {
    Assumptions.assumeTrue(NetnsNetwork.available(), "needs root, ip and iptables (network namespaces)");
    Path secrets = makeSecrets();
    net = new NetnsNetwork(4);
    StringBuilder hosts = new StringBuilder("127.0.0.1 localhost\n");
    for (int ordinal = 0; ordinal < 4; ordinal++) {
      hosts.append(net.address(ordinal + 1)).append(" dialkv-").append(ordinal).append(".dialkv-peers dialkv-")
          .append(ordinal).append('\n');
    }
    // ip netns exec mounts /etc/netns/NS/hosts over /etc/hosts: each namespace resolves the pod names.
    for (String ns : net.namespaces()) {
      Path d = Path.of("/etc/netns", ns);
      Files.createDirectories(d);
      hostsDirs.add(d);
      Files.writeString(d.resolve("hosts"), hosts);
    }

    for (int ordinal = 0; ordinal < 3; ordinal++) {
      startPod(ordinal, secrets);
    }
    for (int ordinal = 0; ordinal < 3; ordinal++) {
      awaitReady(ordinal);
    }
    // A write at ALL through dialkv-0 reaches all three, which only know each other by name.
    assertThat(cli(1, "put", "greeting", "hello", "--consistency", "ALL")).isEqualTo("OK\n");

    startPod(3, secrets);
    awaitReady(3);
    String status = cli(4, "cluster", "status");
    assertThat(status).contains("n4", "dialkv-3.dialkv-peers:7001", "dialkv-0.dialkv-peers:7001");
    assertThat(status).doesNotContain("joining");
    assertThat(cli(4, "get", "greeting", "--consistency", "ALL")).isEqualTo("hello\n");
  }

  /** make-secrets.sh's manifests, laid out as Kubernetes mounts Secrets: a file per key. */
  private Path makeSecrets() throws Exception {
    Path out = dir.resolve("k8s");
    Process p = new ProcessBuilder("bash", ScriptedCluster.ROOT.resolve("deploy/kubernetes/make-secrets.sh").toString(),
        "-n", "4", out.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    Path mounted = dir.resolve("mounted");
    for (String secret : List.of("dialkv-tls", "dialkv-tokens")) {
      Path folder = Files.createDirectories(mounted.resolve(secret));
      for (Map<String, Object> doc : KubernetesManifestsTest.parseAll(out.resolve(secret + ".yaml"))) {
        for (Map.Entry<String, Object> e : KubernetesManifestsTest.at(doc, "data").entrySet()) {
          Files.write(folder.resolve(e.getKey()), Base64.getDecoder().decode((String) e.getValue()));
        }
      }
    }
    Path client = Files.createDirectories(dir.resolve("client"));
    Files.copy(mounted.resolve("dialkv-tls/ca.crt"), client.resolve("ca.crt"));
    Files.copy(out.resolve("private/admin.token"), client.resolve("admin.token"));
    return mounted;
  }

  private void startPod(int ordinal, Path secrets) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(net.inNamespace(ordinal + 1, List.of("bash", ENTRYPOINT.toString())))
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("dialkv-" + ordinal + ".log").toFile());
    Map<String, String> env = pb.environment();
    env.put("POD_NAME", "dialkv-" + ordinal);
    env.put("DIALKV_DATA_DIR", dir.resolve("data-" + ordinal).toString());
    env.put("DIALKV_SECRETS_DIR", secrets.resolve("dialkv-tls").toString());
    env.put("DIALKV_TOKENS_FILE", secrets.resolve("dialkv-tokens/tokens.txt").toString());
    env.put("DIALKV_NODE_JAR", NODE_JAR.toString());
    env.put("JAVA_OPTS", "-Xms64m -Xmx256m -XX:MaxDirectMemorySize=128m -XX:+UseSerialGC");
    pods.add(pb.start());
  }

  private void awaitReady(int ordinal) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).ignoreExceptions().untilAsserted(() -> {
      assertThat(pods.get(ordinal).isAlive()).as(log(ordinal)).isTrue();
      // As the kubelet asks: HTTPS to the pod's metrics port, no credentials, no certificate check.
      HttpResponse<String> ready = KUBELET.send(
          HttpRequest.newBuilder(URI.create("https://" + net.address(ordinal + 1) + ":9001/-/ready"))
              .timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).as(log(ordinal)).isEqualTo(200);
      assertThat(cli(ordinal + 1, "cluster", "status")).contains("dialkv-" + ordinal + ".dialkv-peers");
    });
  }

  /** An HTTPS client that checks no certificate, as the kubelet's probes do not. */
  private static SSLContext trustingAnyone() {
    X509ExtendedTrustManager anyone = new X509ExtendedTrustManager() {
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
      @Override public void checkClientTrusted(X509Certificate[] chain, String authType) {}
      @Override public void checkServerTrusted(X509Certificate[] chain, String authType) {}
      @Override public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, new TrustManager[] {anyone}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String log(int ordinal) {
    try {
      return Files.readString(dir.resolve("dialkv-" + ordinal + ".log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** The CLI in host {@code host}'s namespace, as a client inside the Kubernetes cluster. */
  private String cli(int host, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-jar",
        CLI_JAR.toString()));
    command.addAll(List.of(args));
    command.addAll(List.of("-e", "dialkv-" + (host - 1) + ".dialkv-peers:7001",
        "--certs-dir", dir.resolve("client").toString(), "--token-file", dir.resolve("client/admin.token").toString()));
    return inNamespace(host, command);
  }

  private String inNamespace(int host, List<String> command) throws Exception {
    Process p = new ProcessBuilder(net.inNamespace(host, command)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return out;
  }
}
