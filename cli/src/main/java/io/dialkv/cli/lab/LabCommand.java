package io.dialkv.cli.lab;

import io.dialkv.harness.machine.Cgroup;
import io.dialkv.harness.machine.Machines;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dialkv lab EXPERIMENT}: scaling experiments on emulated machines. */
@Command(
    name = "lab",
    mixinStandardHelpOptions = true,
    description = {
      "Run a scaling experiment on emulated machines: each node in its own network",
      "namespace with its own CPU and memory cap (cgroups), the load generator on a",
      "machine of its own. Linux and root only. Writes results.json and report.html",
      "(with charts) to --out and prints a table.",
      "",
      "Experiments:",
      "  scale-out  N = --nodes machines of one size, RF = min(3, N): saturated",
      "             throughput and p99 at QUORUM and ONE, against the ideal line",
      "  scale-up   one node on --cpu-steps cores: what each core added buys",
      "  shapes     --budget cores as 1 big, 3 medium or 8 small machines, and what",
      "             a kill -9 of one machine costs (errors, outage, lost writes)",
      "  influx     open-loop load from 0.5x to 3x the capacity of 3 nodes, with",
      "             admission control and without",
      "  elastic    a steady load 1.4x what 3 nodes serve (found open loop);",
      "             --joins nodes join one by one",
      "  all        every experiment in turn",
      ""
    })
public final class LabCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "EXPERIMENT", description = "scale-out, scale-up, shapes, influx, elastic or all.")
  String experiment;

  @Option(names = "--seconds", defaultValue = "20", description = "Length of each measurement (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--cpus-per-node", defaultValue = "0.12",
      description = "Cores of each node's machine in scale-out, influx and elastic (default: ${DEFAULT-VALUE}).")
  double cpusPerNode;

  @Option(names = "--influx-cpus-per-node", defaultValue = "0.15",
      description = "Cores of each of the 3 nodes' machines in influx (default: ${DEFAULT-VALUE}).")
  double influxCpus;

  @Option(names = "--client-cpus", defaultValue = "0.9", description = "Cores of the load generator's machine (default: ${DEFAULT-VALUE}).")
  double clientCpus;

  @Option(names = "--nodes", split = ",", defaultValue = "1,2,3,4,6,8", description = "Cluster sizes for scale-out (default: ${DEFAULT-VALUE}).")
  List<Integer> nodes;

  @Option(names = "--in-flight-per-node", split = ",", defaultValue = "64,128,256",
      description = "Requests in flight per node in scale-out's closed loops; each is measured and the best kept "
          + "(default: ${DEFAULT-VALUE}).")
  List<Integer> inFlightPerNode;

  @Option(names = "--cpu-steps", split = ",", defaultValue = "0.25,0.5,1,1.5,2", description = "Machine sizes for scale-up (default: ${DEFAULT-VALUE}).")
  List<Double> cpuSteps;

  @Option(names = "--budget", defaultValue = "1.5", description = "Cores shared out in shapes (default: ${DEFAULT-VALUE}).")
  double budget;

  @Option(names = "--link-delay-ms", defaultValue = "0",
      description = "One-way delay each node adds to every message to a peer and every answer, 0 to 1000 ms, "
          + "as if the machines were far apart (default: ${DEFAULT-VALUE}, none).")
  long linkDelayMillis;

  @Option(names = "--joins", defaultValue = "3", description = "Nodes that join in elastic (default: ${DEFAULT-VALUE}).")
  int joins;

  @Option(names = "--out", description = "Folder for the results (default: .dialkv/lab/EXPERIMENT-TIME).")
  Path out;

  @Option(names = "--node-jar", description = "The node's jar (default: $DIALKV_NODE_JAR).")
  Path nodeJar;

  @Option(names = "--cli-jar", description = "The CLI's jar, run as the load generator (default: $DIALKV_CLI_JAR, else this one).")
  Path cliJar;

  /** What the experiments are given. */
  record Options(List<Integer> nodes, List<Integer> inFlightPerNode, double cpusPerNode, double influxCpus,
      List<Double> cpuSteps, double budget, int joins) {}

  @Override
  public Integer call() throws Exception {
    PrintWriter w = spec.commandLine().getOut();
    List<String> names = experiment.equals("all") ? Experiments.NAMES : List.of(experiment);
    if (!experiment.equals("all") && !Experiments.NAMES.contains(experiment)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "unknown experiment '" + experiment + "'; experiments: " + String.join(", ", Experiments.NAMES) + ", all");
    }
    String invalid = invalidOptions();
    if (invalid != null) {
      throw new CommandLine.ParameterException(spec.commandLine(), invalid);
    }
    String why = Machines.unavailableBecause();
    if (why != null) {
      spec.commandLine().getErr().println("dialkv lab: " + why + "; nothing was run");
      return 3;
    }
    Path node = jar(nodeJar, "DIALKV_NODE_JAR", null);
    Path cli = jar(cliJar, "DIALKV_CLI_JAR", ownJar());
    if (node == null || cli == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "give --node-jar and --cli-jar (or DIALKV_NODE_JAR and DIALKV_CLI_JAR); cluster-scripts/lab.sh does it for you");
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    boolean allMet = true;
    for (String name : names) {
      Path dir = out != null ? (names.size() > 1 ? out.resolve(name) : out) : Path.of(".dialkv", "lab", name + "-" + stamp);
      Files.createDirectories(dir);
      Lab lab = new Lab(new Lab.Settings(node, cli, dir, seconds, clientCpus, linkDelayMillis));
      w.printf("lab: %s -> %s%n", name, dir.toAbsolutePath());
      w.flush();
      Experiment e = new Experiments(lab).run(name, new Options(nodes, inFlightPerNode, cpusPerNode, influxCpus, cpuSteps, budget,
          joins));
      Map<String, Object> setup = new LinkedHashMap<>();
      setup.put("host_cores", Runtime.getRuntime().availableProcessors());
      setup.put("cgroups", Cgroup.kind());
      setup.put("seconds_per_measurement", seconds);
      setup.put("client_cpus", clientCpus);
      setup.put("link_delay_ms", linkDelayMillis);
      setup.put("cpus_per_node", cpusPerNode);
      setup.put("influx_cpus_per_node", influxCpus);
      LabReport.write(e, setup, lab.leftovers(), dir);
      w.print(LabReport.table(e));
      w.printf("left behind: %s%nreport: %s%n", lab.leftovers().isEmpty() ? "nothing" : lab.leftovers(),
          dir.resolve("report.html").toAbsolutePath());
      w.flush();
      allMet &= lab.leftovers().isEmpty();
    }
    return allMet ? 0 : 1;
  }

  String invalidOptions() {
    if (seconds < 3 || seconds > 3600) {
      return "--seconds must be 3 to 3600, got " + seconds;
    }
    for (double c : List.of(cpusPerNode, influxCpus, clientCpus, budget)) {
      if (!(c >= 0.05 && c <= 64)) {
        return "--cpus-per-node, --influx-cpus-per-node, --client-cpus and --budget must be 0.05 to 64 cores, got " + c;
      }
    }
    if (nodes.isEmpty() || nodes.stream().anyMatch(n -> n < 1 || n > 32)) {
      return "--nodes must be sizes of 1 to 32, got " + nodes;
    }
    if (inFlightPerNode.isEmpty() || inFlightPerNode.stream().anyMatch(c -> c < 1 || c > 256)) {
      return "--in-flight-per-node must be 1 to 256 requests each, got " + inFlightPerNode;
    }
    if (cpuSteps.isEmpty() || cpuSteps.stream().anyMatch(c -> !(c >= 0.05 && c <= 64))) {
      return "--cpu-steps must be 0.05 to 64 cores each, got " + cpuSteps;
    }
    if (linkDelayMillis < 0 || linkDelayMillis > 1000) {
      return "--link-delay-ms must be 0 to 1000, got " + linkDelayMillis;
    }
    if (joins < 1 || joins > 16) {
      return "--joins must be 1 to 16, got " + joins;
    }
    return null;
  }

  private static Path jar(Path given, String env, Path fallback) {
    if (given != null) {
      return given;
    }
    String value = System.getenv(env);
    return value != null && !value.isBlank() ? Path.of(value) : fallback;
  }

  /** This program's own jar, when it runs from one. */
  private static Path ownJar() {
    try {
      Path p = Path.of(LabCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return Files.isRegularFile(p) ? p : null;
    } catch (Exception e) {
      return null;
    }
  }
}
