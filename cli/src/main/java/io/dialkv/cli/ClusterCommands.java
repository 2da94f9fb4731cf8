package io.dialkv.cli;

import io.dialkv.client.DialClient;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.NodeState;
import io.dialkv.proto.v1.TopologyResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What the cluster looks like. */
@Command(
    name = "cluster",
    mixinStandardHelpOptions = true,
    description = "Inspect the cluster.",
    subcommands = {ClusterCommands.Status.class, ClusterCommands.Wait.class})
final class ClusterCommands implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: status or wait");
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = {
        "Nodes, addresses, up/down (as the answering node's failure detector sees them), each "
            + "node's state (joining: streaming the ranges it will own; normal; leaving: streaming its "
            + "ranges away), its share of the ring (now>after while a node joins or leaves), and what "
            + "this client's balancer sees of each node: HEALTHY, NOT_SERVING (starting, joining, "
            + "leaving, draining or cut off from its peers), EJECTED (failed requests in a row), DOWN "
            + "(cannot connect) or CONNECTING."
      },
      footer = {"", ExitCodes.HELP})
  static final class Status implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (DialClient c = client.connect()) {
        TopologyResponse t = c.topology();
        Map<Integer, NodeStats> seen = balancerView(c, t.getNodesCount());
        if (client.json()) {
          out.println(Printer.json(t.toBuilder().clearNodes().addAllNodes(
              t.getNodesList().stream().map(n -> n.toBuilder().clearTokens().build()).toList())));
          return ExitCodes.OK;
        }
        long up = t.getNodesList().stream().filter(n -> n.getLiveness() == Liveness.UP).count();
        out.printf(
            "%d nodes, %d up, replication factor %d (as seen by n%d)%n",
            t.getNodesCount(), up, t.getReplicationFactor(), t.getAnsweredByNodeId());
        boolean changing = t.getNodesList().stream().anyMatch(n -> n.getState() == NodeState.NODE_STATE_JOINING
            || n.getState() == NodeState.NODE_STATE_LEAVING);
        out.printf("%-5s %-22s %-5s %-8s %7s %7s %-16s %-16s %-12s %9s%n",
            "node", "address", "up", "state", "phi", "tokens",
            changing ? "ring share now>after" : "ring share", changing ? "replica share" : "replica share",
            "balancer", "in flight");
        for (NodeInfo n : t.getNodesList()) {
          NodeStats b = seen.get(n.getNodeId());
          out.printf("%-5s %-22s %-5s %-8s %7s %7d %-16s %-16s %-12s %9s%n",
              "n" + n.getNodeId(),
              n.getAddress(),
              n.getLiveness() == Liveness.UP ? "UP" : "DOWN",
              state(n.getState()),
              n.getPhi() > 1e6 ? "inf" : String.format("%.1f", n.getPhi()),
              n.getTokenCount(),
              share(n.getRingShare(), n.getRingShareAfter(), changing),
              share(n.getReplicaShare(), n.getReplicaShareAfter(), changing),
              b == null ? "-" : b.state(),
              b == null ? "-" : String.valueOf(b.inFlight()));
        }
        out.printf("(balancer: %s, as this client sees the nodes)%n", c.balancer());
        return ExitCodes.OK;
      }
    }
  }

  static String state(NodeState state) {
    return switch (state) {
      case NODE_STATE_JOINING -> "joining";
      case NODE_STATE_LEAVING -> "leaving";
      default -> "normal";
    };
  }

  private static String share(double now, double after, boolean changing) {
    return changing
        ? String.format("%.1f%%>%.1f%%", now * 100, after * 100)
        : String.format("%.1f%%", now * 100);
  }

  /**
   * The balancer's view once it has settled: a fresh client has just connected, so give each node
   * a moment (up to 2 s) to answer its first health check.
   */
  static Map<Integer, NodeStats> balancerView(DialClient c, int expectedNodes) {
    long deadline = System.nanoTime() + 2_000_000_000L;
    List<NodeStats> nodes = c.nodes();
    while (System.nanoTime() < deadline
        && (nodes.stream().filter(n -> n.nodeId() >= 0).count() < expectedNodes
            || nodes.stream().anyMatch(n -> n.state() == io.dialkv.client.balancer.NodeState.CONNECTING))) {
      try {
        Thread.sleep(20); // a command line waiting on live connections, not a test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      nodes = c.nodes();
    }
    Map<Integer, NodeStats> map = new TreeMap<>();
    nodes.forEach(n -> map.put(n.nodeId(), n));
    return map;
  }

  @Command(
      name = "wait",
      mixinStandardHelpOptions = true,
      description = "Wait until every endpoint answers and sees every node of the cluster UP.",
      footer = {"", "Exit status: 0 when healthy; 3 if not healthy within the timeout."})
  static final class Wait implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;

    @Option(names = "--wait-ms", defaultValue = "60000",
        description = "Give up after this long (default: ${DEFAULT-VALUE}).")
    long waitMillis;

    @Override
    public Integer call() throws InterruptedException {
      long deadline = System.nanoTime() + waitMillis * 1_000_000;
      String last = "";
      try (DialClient c = client.connect()) {
        while (System.nanoTime() < deadline) {
          List<String> problems = new ArrayList<>();
          for (String endpoint : c.endpoints()) {
            try {
              TopologyResponse t = c.topology(endpoint);
              for (NodeInfo n : t.getNodesList()) {
                if (n.getLiveness() != Liveness.UP) {
                  problems.add("n" + t.getAnsweredByNodeId() + " sees n" + n.getNodeId() + " down");
                }
              }
            } catch (DialException e) {
              problems.add(endpoint + " not answering");
            }
          }
          if (problems.isEmpty()) {
            spec.commandLine().getOut().println("all " + c.endpoints().size() + " endpoints healthy");
            return ExitCodes.OK;
          }
          last = String.join("; ", problems);
          Thread.sleep(200); // polling a live cluster from the command line, not a test
        }
      }
      spec.commandLine().getErr().println("cluster not healthy after " + waitMillis + " ms: " + last);
      return ExitCodes.UNAVAILABLE;
    }
  }
}
