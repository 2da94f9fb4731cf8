package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.dialkv.cli.DialCli;
import io.dialkv.harness.machine.Machines;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Short versions of the lab's experiments on emulated machines (-Plab; Linux and root): the shape
 * of each result, and that nothing outlives a run.
 */
@Tag("lab")
class ScalingLabTest {
  @BeforeAll
  static void machinesCanBeEmulated() {
    String why = Machines.unavailableBecause();
    assumeTrue(why == null, "skipped: " + why);
  }

  private static Map<String, Object> lab(String experiment, String... extra) throws Exception {
    Path out = Clusters.dir().resolve("lab-" + experiment + "-" + System.nanoTime());
    List<String> args = new java.util.ArrayList<>(List.of("lab", experiment, "--out", out.toString(),
        "--node-jar", Clusters.nodeJar().toString(),
        "--cli-jar", System.getProperty("dialkv.cli.jar", "../cli/target/dialkv-cli.jar")));
    args.addAll(List.of(extra));
    StringWriter stdout = new StringWriter();
    StringWriter stderr = new StringWriter();
    int exit = DialCli.run(args.toArray(String[]::new), new PrintWriter(stdout), new PrintWriter(stderr));
    System.out.print(stdout);
    assertThat(exit).as(stderr.toString()).isZero(); // also: nothing was left behind
    assertThat(out.resolve("report.html")).exists();
    Map<String, Object> results = new Gson().fromJson(Files.readString(out.resolve("results.json")),
        new TypeToken<Map<String, Object>>() {}.getType());
    assertThat((List<?>) results.get("leftovers")).isEmpty();
    assertNoMachinesLeft();
    return results;
  }

  /** No namespace, cgroup or node process of any lab is left on this host. */
  private static void assertNoMachinesLeft() throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String namespaces = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(10, TimeUnit.SECONDS);
    for (String line : namespaces.split("\n")) {
      assertThat(line).as("namespace left").doesNotMatch("dkv[0-9a-f]{4}n\\d+.*");
    }
    for (String hierarchy : List.of("/sys/fs/cgroup/cpu", "/sys/fs/cgroup/memory", "/sys/fs/cgroup")) {
      Path dir = Path.of(hierarchy);
      if (Files.isDirectory(dir)) {
        try (var groups = Files.list(dir)) {
          assertThat(groups.map(g -> g.getFileName().toString()).filter(n -> n.matches("dkv[0-9a-f]{4}m\\d+")))
              .as("cgroups left in " + hierarchy).isEmpty();
        }
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static double quorum(Map<String, Object> results, int n) {
    Map<String, Object> byNodes = (Map<String, Object>) ((Map<String, Object>) results.get("results")).get("by_nodes");
    Map<String, Object> levels = (Map<String, Object>) byNodes.get(String.valueOf(n));
    return ((Number) ((Map<String, Object>) levels.get("QUORUM")).get("opsPerSecond")).doubleValue();
  }

  @Test
  @SuppressWarnings("unchecked")
  void scaleOutThroughputGrowsFromThreeToSixMachines() throws Exception {
    Map<String, Object> r = lab("scale-out", "--nodes", "3,6", "--seconds", "10", "--in-flight-per-node", "128");
    // Grows, but far from linearly on machines this small: see the README's scaling section.
    assertThat(quorum(r, 6)).isGreaterThan(quorum(r, 3));
    // Each figure says where the nodes' CPU went: most of it on their request loops.
    Map<String, Object> byNodes = (Map<String, Object>) ((Map<String, Object>) r.get("results")).get("by_nodes");
    Map<String, Object> quorum3 = (Map<String, Object>) ((Map<String, Object>) byNodes.get("3")).get("QUORUM");
    Map<String, Object> profile = (Map<String, Object>) quorum3.get("cpuProfile");
    Map<String, Number> byThread = (Map<String, Number>) profile.get("millisPerOpByThread");
    double total = byThread.values().stream().mapToDouble(Number::doubleValue).sum();
    assertThat(byThread.get("request loop").doubleValue()).isGreaterThan(0.5 * total);
    assertThat(((Number) profile.get("kernelShare")).doubleValue()).isBetween(0.0, 1.0);
  }

  @Test
  @SuppressWarnings("unchecked")
  void anInfluxOfThreeTimesCapacityKeepsGoodputWithAdmissionControl() throws Exception {
    Map<String, Object> r = lab("influx", "--seconds", "10");
    Map<String, Object> results = (Map<String, Object>) r.get("results");
    assertThat(((Number) results.get("goodput_fraction_at_3x")).doubleValue()).isGreaterThanOrEqualTo(0.8);
    Map<String, Object> on = (Map<String, Object>) ((Map<String, Object>) results.get("by_protection")).get("on");
    assertThat(on.get("nodes_alive_at_end")).isEqualTo(true);
    assertThat(((Number) on.get("oom_kills")).longValue()).isZero();
  }

  @Test
  @SuppressWarnings("unchecked")
  void killingOneOfThreeMachinesLosesNoAcknowledgedWriteAndOneBigMachineStopsServing() throws Exception {
    Map<String, Object> r = lab("shapes", "--seconds", "8");
    List<Map<String, Object>> shapes = (List<Map<String, Object>>) ((Map<String, Object>) r.get("results")).get("shapes");
    for (Map<String, Object> shape : shapes) {
      int nodes = ((Number) shape.get("nodes")).intValue();
      if (nodes == 1) {
        assertThat(((Number) shape.get("served_during_kill")).doubleValue()).isLessThan(0.05);
      } else {
        assertThat(((Number) shape.get("lost_writes")).longValue()).as(nodes + " nodes").isZero();
        assertThat(((Number) shape.get("served_during_kill")).doubleValue()).as(nodes + " nodes").isGreaterThan(0.9);
      }
    }
  }

  @Test
  void scaleUpAndElasticRunAndCleanUp() throws Exception {
    lab("scale-up", "--cpu-steps", "0.25,0.5", "--seconds", "6");
    lab("elastic", "--joins", "1", "--seconds", "10");
  }
}
