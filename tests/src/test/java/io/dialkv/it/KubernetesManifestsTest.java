package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * deploy/kubernetes parses and hangs together: the StatefulSet, its Services, budget, probes,
 * Secrets and monitor refer to each other and to the entrypoint's defaults correctly.
 */
class KubernetesManifestsTest {
  static final Path DEPLOY = ScriptedCluster.ROOT.resolve("deploy");

  @TempDir static Path secretsOut;
  static Map<String, Map<String, Object>> byKind;
  static Map<String, Map<String, Object>> services;
  static Map<String, Map<String, Object>> secrets;

  @BeforeAll
  static void load() throws Exception {
    byKind = new java.util.HashMap<>();
    services = new java.util.HashMap<>();
    for (Map<String, Object> doc : parseAll(DEPLOY.resolve("kubernetes/dialkv.yaml"))) {
      if ("Service".equals(doc.get("kind"))) {
        services.put(name(doc), doc);
      } else {
        assertThat(byKind.put((String) doc.get("kind"), doc)).as("one " + doc.get("kind")).isNull();
      }
    }
    Path out = secretsOut.resolve("secrets");
    Process p = new ProcessBuilder("bash", DEPLOY.resolve("kubernetes/make-secrets.sh").toString(), "-n", "4", out.toString())
        .redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(output).isZero();
    secrets = new java.util.HashMap<>();
    for (String file : List.of("dialkv-tls.yaml", "dialkv-tokens.yaml", "dialkv-scrape.yaml")) {
      for (Map<String, Object> doc : parseAll(out.resolve(file))) {
        assertThat(doc.get("kind")).isEqualTo("Secret");
        secrets.put(name(doc), doc);
      }
    }
    assertThat(out.resolve("private")).isDirectory();
  }

  static List<Map<String, Object>> parseAll(Path file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(Files.readString(file))) {
      if (doc != null) {
        docs.add(map(doc));
      }
    }
    return docs;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    assertThat(o).isInstanceOf(Map.class);
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    assertThat(o).isInstanceOf(List.class);
    return (List<Object>) o;
  }

  static Map<String, Object> at(Map<String, Object> m, String... path) {
    Object o = m;
    for (String step : path) {
      o = map(o).get(step);
      assertThat(o).as(String.join(".", path)).isNotNull();
    }
    return map(o);
  }

  static String name(Map<String, Object> doc) {
    return (String) at(doc, "metadata").get("name");
  }

  static Map<String, Object> container() {
    List<Object> containers = list(at(byKind.get("StatefulSet"), "spec", "template", "spec").get("containers"));
    assertThat(containers).hasSize(1);
    return map(containers.get(0));
  }

  static Map<String, Object> named(List<Object> items, String name) {
    return items.stream().map(KubernetesManifestsTest::map).filter(i -> name.equals(i.get("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("nothing named " + name + " in " + items));
  }

  /** The entrypoint's default for an environment variable. */
  static String entrypointDefault(String variable) throws IOException {
    Matcher m = Pattern.compile("\\$\\{" + variable + ":-([^}]*)}").matcher(Files.readString(DEPLOY.resolve("docker/entrypoint.sh")));
    assertThat(m.find()).as(variable + " has a default").isTrue();
    return m.group(1);
  }

  @Test
  void theStatefulSetHasStableStorageAndFindsItsPeersThroughAHeadlessService() throws IOException {
    Map<String, Object> set = byKind.get("StatefulSet");
    Map<String, Object> spec = at(set, "spec");
    Map<String, Object> peers = services.get((String) spec.get("serviceName"));
    assertThat(peers).as("the serviceName's Service").isNotNull();
    assertThat(at(peers, "spec").get("clusterIP")).isEqualTo("None");
    assertThat(at(peers, "spec").get("publishNotReadyAddresses")).isEqualTo(true);

    Map<String, Object> podLabels = at(spec, "template", "metadata", "labels");
    assertThat(podLabels).containsAllEntriesOf(map(at(spec, "selector").get("matchLabels")));
    for (Map<String, Object> service : services.values()) {
      assertThat(podLabels).as(name(service) + " selects the pods").containsAllEntriesOf(at(service, "spec", "selector"));
    }

    List<Object> claims = list(spec.get("volumeClaimTemplates"));
    assertThat(claims).hasSize(1);
    String claim = name(map(claims.get(0)));
    Map<String, Object> dataMount = named(list(container().get("volumeMounts")), claim);
    assertThat(dataMount.get("mountPath")).isEqualTo(entrypointDefault("DIALKV_DATA_DIR"));

    // The node id comes from the pod's name; peers are named under the headless Service.
    List<Object> env = list(container().get("env"));
    assertThat(at(named(env, "POD_NAME"), "valueFrom", "fieldRef").get("fieldPath")).isEqualTo("metadata.name");
    assertThat(named(env, "DIALKV_PEER_DOMAIN").get("value")).isEqualTo(spec.get("serviceName"));
    assertThat(Integer.parseInt((String) named(env, "DIALKV_INITIAL_MEMBERS").get("value")))
        .isBetween(1, (Integer) spec.get("replicas"));
  }

  @Test
  void portsAndProbesMatchWhatTheNodeServes() throws IOException {
    List<Object> ports = list(container().get("ports"));
    assertThat(named(ports, "client").get("containerPort")).isEqualTo(Integer.parseInt(entrypointDefault("DIALKV_CLIENT_PORT")));
    assertThat(named(ports, "peer").get("containerPort")).isEqualTo(Integer.parseInt(entrypointDefault("DIALKV_PEER_PORT")));
    assertThat(named(ports, "metrics").get("containerPort")).isEqualTo(Integer.parseInt(entrypointDefault("DIALKV_METRICS_PORT")));
    for (Map<String, Object> service : services.values()) {
      for (Object port : list(at(service, "spec").get("ports"))) {
        assertThat(named(ports, (String) map(port).get("targetPort"))).as(name(service) + " targets a container port").isNotNull();
      }
    }
    // Readiness only once the node serves (after a join streamed its ranges); both over HTTPS,
    // as the node's metrics port speaks TLS.
    Map<String, Object> readiness = at(container(), "readinessProbe", "httpGet");
    assertThat(readiness).containsEntry("path", "/-/ready").containsEntry("port", "metrics").containsEntry("scheme", "HTTPS");
    Map<String, Object> liveness = at(container(), "livenessProbe", "httpGet");
    assertThat(liveness).containsEntry("path", "/-/healthy").containsEntry("port", "metrics").containsEntry("scheme", "HTTPS");
    assertThat(list(at(container(), "lifecycle", "preStop", "exec").get("command"))).isNotEmpty();
  }

  @Test
  void oneNodeAtATimeMayBeDisrupted() {
    Map<String, Object> pdb = byKind.get("PodDisruptionBudget");
    assertThat(at(pdb, "spec").get("maxUnavailable")).isEqualTo(1);
    assertThat(at(pdb, "spec", "selector")).isEqualTo(at(byKind.get("StatefulSet"), "spec", "selector"));
  }

  @Test
  void theSecretsTheManifestsUseAreTheOnesMakeSecretsMakes() throws IOException {
    List<Object> volumes = list(at(byKind.get("StatefulSet"), "spec", "template", "spec").get("volumes"));
    List<Object> mounts = list(container().get("volumeMounts"));
    Map<String, Object> tls = secrets.get((String) at(named(volumes, "tls"), "secret").get("secretName"));
    assertThat(at(tls, "data")).containsKeys("ca.crt", "n1.crt", "n1.key", "n4.crt", "n4.key");
    assertThat(named(mounts, "tls").get("mountPath")).isEqualTo(entrypointDefault("DIALKV_SECRETS_DIR"));
    Map<String, Object> tokens = secrets.get((String) at(named(volumes, "tokens"), "secret").get("secretName"));
    assertThat(at(tokens, "data")).containsOnlyKeys("tokens.txt");
    assertThat(named(mounts, "tokens").get("mountPath") + "/tokens.txt").isEqualTo(entrypointDefault("DIALKV_TOKENS_FILE"));
    // No token itself and no CA key is in a Secret meant to be applied.
    for (Map<String, Object> secret : secrets.values()) {
      assertThat(at(secret, "data")).doesNotContainKey("ca.key");
    }
  }

  @Test
  void theServiceMonitorScrapesEveryNodeWithTheCaAndAReadToken() {
    Map<String, Object> monitor = byKind.get("ServiceMonitor");
    Map<String, Object> selected = services.values().stream()
        .filter(s -> map(at(s, "metadata").get("labels")).entrySet().containsAll(at(monitor, "spec", "selector", "matchLabels").entrySet()))
        .reduce((a, b) -> { throw new AssertionError("the monitor selects more than one Service"); })
        .orElseThrow(() -> new AssertionError("the monitor selects no Service"));
    Map<String, Object> endpoint = map(list(at(monitor, "spec").get("endpoints")).get(0));
    assertThat(named(list(at(selected, "spec").get("ports")), (String) endpoint.get("port")).get("targetPort")).isEqualTo("metrics");
    assertThat(endpoint).containsEntry("scheme", "https").containsEntry("path", "/metrics");
    Map<String, Object> ca = at(endpoint, "tlsConfig", "ca", "secret");
    assertThat(at(secrets.get((String) ca.get("name")), "data")).containsKey((String) ca.get("key"));
    Map<String, Object> token = at(endpoint, "authorization", "credentials");
    assertThat(at(secrets.get((String) token.get("name")), "data")).containsKey((String) token.get("key"));
  }

  @Test
  void theImageRunsTheEntrypointWithTheJarItExpects() throws IOException {
    String dockerfile = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
    assertThat(dockerfile).contains("ENTRYPOINT [\"/opt/dialkv/entrypoint.sh\"]");
    String jar = entrypointDefault("DIALKV_NODE_JAR");
    assertThat(dockerfile).containsPattern("COPY server/node/target/dialkv-node\\.jar .*" + Pattern.quote(jar.substring(0, jar.lastIndexOf('/') + 1)));
    assertThat(dockerfile).contains("COPY deploy/docker/entrypoint.sh /opt/dialkv/entrypoint.sh");
  }
}
