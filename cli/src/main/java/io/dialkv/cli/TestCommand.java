package io.dialkv.cli;

import io.dialkv.harness.Nemesis;
import io.dialkv.harness.Report;
import io.dialkv.harness.TestRun;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The partition test: what each consistency level does under a fault, with the evidence. */
@Command(
    name = "test",
    mixinStandardHelpOptions = true,
    description = {
      "Run a Jepsen-style partition test against a fresh local cluster of node processes and report, "
          + "per consistency level, what held and what did not.",
      "Clients (one per node per level, each bound to its node) read and write registers while the nemesis "
          + "injects a fault for --fault-s seconds and heals for --heal-s, repeatedly. Then everything is healed, "
          + "every key read back, and the history checked for linearizability and anomalies.",
      "Writes history.edn, results.json and report.html to --out and prints the trade-off table."
    },
    footer = {"", "Nemeses: none, partition-halves, partition-majorities-ring, bridge, isolate-node, kill, pause, "
        + "clock-skew, membership (a new node joins, then is decommissioned, in turn; not with --partition netns).",
        "Exit status: 0 the test ran (whatever it found); 1 it could not run; 2 usage error."})
final class TestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--levels", split = ",", defaultValue = "ONE,QUORUM,ALL,LINEARIZABLE",
      description = "Consistency levels to test side by side (default: ${DEFAULT-VALUE}). MIXED runs the "
          + "LINEARIZABLE workload with its plain writes sent at ONE, to show what mixing levels on a key does.")
  List<String> levels;

  @Option(names = "--nemesis", defaultValue = "partition-halves", description = "The fault (default: ${DEFAULT-VALUE}).")
  String nemesis;

  @Option(names = "--time", defaultValue = "60", description = "Seconds of workload (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--fault-s", defaultValue = "10", description = "Seconds each fault lasts (default: ${DEFAULT-VALUE}).")
  int faultSeconds;

  @Option(names = "--heal-s", defaultValue = "10", description = "Seconds of health between faults (default: ${DEFAULT-VALUE}).")
  int healSeconds;

  @Option(names = {"-n", "--nodes"}, defaultValue = "5", description = "Cluster size (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = {"-r", "--replication-factor"}, defaultValue = "3", description = "Replicas per key (default: ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(names = "--keys", defaultValue = "5", description = "Registers per level (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--clients-per-node", defaultValue = "1", description = "Clients per node per level (default: ${DEFAULT-VALUE}).")
  int clientsPerNode;

  @Option(names = "--think-ms", defaultValue = "20", description = "Mean pause between a client's operations (default: ${DEFAULT-VALUE}).")
  int thinkMillis;

  @Option(names = "--seed", description = "Random seed (default: from the clock; printed).")
  Long seed;

  @Option(names = "--check-budget-s", defaultValue = "60",
      description = "Time the linearizability checker may take per level before saying unknown (default: ${DEFAULT-VALUE}).")
  int checkBudgetSeconds;

  @Option(names = "--partition-backend", defaultValue = "links",
      description = "How partitions are made: links (node-level link rules over the admin API; anywhere) or netns "
          + "(each node in its own network namespace, real packets dropped by iptables; Linux and root only) "
          + "(default: ${DEFAULT-VALUE}).")
  String partitionBackend;

  @Option(names = "--out", description = "Report folder (default: dialkv-test-<nemesis>-<time> here).")
  Path out;

  @Option(names = "--node-jar", description = "The node's jar (default: $DIALKV_NODE_JAR).")
  Path nodeJar;

  @Override
  public Integer call() throws Exception {
    if (!Nemesis.NAMES.contains(nemesis)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "unknown nemesis '" + nemesis + "'; nemeses: " + String.join(", ", Nemesis.NAMES));
    }
    for (String level : levels) {
      if (!List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE", "MIXED").contains(level)) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "unknown level '" + level + "'; levels: ONE, QUORUM, ALL, LINEARIZABLE, MIXED");
      }
    }
    if (!List.of("links", "netns").contains(partitionBackend)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "unknown partition back-end '" + partitionBackend + "'; use links or netns");
    }
    if (seconds < 1 || faultSeconds < 1 || healSeconds < 1 || nodes < 1 || keys < 1 || clientsPerNode < 1
        || replicationFactor < 1 || replicationFactor > nodes) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--time, --fault-s, --heal-s, --nodes, --keys and --clients-per-node must be positive, "
              + "and the replication factor at most the number of nodes");
    }
    Path jar = nodeJar;
    if (jar == null) {
      String env = System.getenv("DIALKV_NODE_JAR");
      if (env == null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "give --node-jar (or set DIALKV_NODE_JAR); cluster-scripts/partition-test.sh does it for you");
      }
      jar = Path.of(env);
    }
    long s = seed != null ? seed : System.currentTimeMillis();
    Path dir = out != null ? out : Path.of("dialkv-test-" + nemesis + "-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    spec.commandLine().getOut().printf("partition test: %s for %d s on %d nodes, levels %s, seed %d%n",
        nemesis, seconds, nodes, levels, s);
    spec.commandLine().getOut().flush();
    TestRun.Result result = TestRun.run(new TestRun.Options(nodes, replicationFactor, levels, nemesis,
        Duration.ofSeconds(seconds), Duration.ofSeconds(faultSeconds), Duration.ofSeconds(healSeconds), keys,
        clientsPerNode, Duration.ofMillis(thinkMillis), s, jar, dir, Duration.ofSeconds(checkBudgetSeconds),
        partitionBackend));
    spec.commandLine().getOut().print(Report.table(result));
    spec.commandLine().getOut().println("report: " + dir.resolve("report.html").toAbsolutePath());
    return 0;
  }
}
