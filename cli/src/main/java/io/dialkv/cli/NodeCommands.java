package io.dialkv.cli;

import io.dialkv.client.DialClient;
import io.dialkv.proto.v1.MembershipChangeResponse;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.TopologyResponse;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code dialkv node}: take nodes out of a running cluster (nodes join with dialkv-node --join). */
@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description = {
      "Take a node out of the running cluster. (A node joins by being started with "
          + "dialkv-node --join SEED, or cluster-scripts/add-node.sh.)"
    },
    subcommands = {NodeCommands.Decommission.class, NodeCommands.Remove.class})
final class NodeCommands implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: decommission or remove");
  }

  /** What both subcommands share: the node, the time limit, the report. */
  abstract static class Change implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;

    @Parameters(paramLabel = "N", description = "The id of the node.")
    int nodeId;

    @Option(names = "--wait-ms", defaultValue = "600000",
        description = "Give up waiting after this long (default: ${DEFAULT-VALUE}).")
    long waitMillis;

    abstract MembershipChangeResponse change(DialClient c, Duration limit);

    /** The past participle for the report: decommissioned, removed. */
    abstract String done();

    @Override
    public Integer call() {
      try (DialClient c = client.connect()) {
        report(spec, client, c, change(c, Duration.ofMillis(waitMillis)), done());
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "decommission",
      mixinStandardHelpOptions = true,
      description = {
        "The node streams every range it holds to the node that owns it next, while writes to "
            + "those ranges go to both, then leaves the cluster and its process stops. Refused (exit "
            + "status 5, with the reason) if fewer nodes than the replication factor would remain, if "
            + "another node is joining or leaving, or if a node is down."
      },
      footer = {"", ExitCodes.HELP})
  static final class Decommission extends Change {
    @Override
    MembershipChangeResponse change(DialClient c, Duration limit) {
      return c.decommission(nodeId, limit);
    }

    @Override
    String done() {
      return "decommissioned";
    }
  }

  @Command(
      name = "remove",
      mixinStandardHelpOptions = true,
      description = {
        "For a node that is dead for good: a live node copies each of its ranges from their "
            + "surviving replicas to the node that owns it next, then the dead node is out of the ring. "
            + "Refused if the node is up (decommission it instead), and as for decommission."
      },
      footer = {"", ExitCodes.HELP})
  static final class Remove extends Change {
    @Override
    MembershipChangeResponse change(DialClient c, Duration limit) {
      return c.removeNode(nodeId, limit);
    }

    @Override
    String done() {
      return "removed";
    }
  }

  private static void report(CommandSpec spec, ClientOptions client, DialClient c, MembershipChangeResponse r,
      String what) {
    PrintWriter out = spec.commandLine().getOut();
    if (client.json()) {
      out.println(Printer.json(r));
      return;
    }
    out.printf("n%d %s: %,d rows (%.1f MB) streamed from %s to the ranges' next owners in %.1f s"
            + " (%.1f s in all, with waiting for every node to learn of the change)%n",
        r.getNodeId(), what, r.getRowsStreamed(), r.getBytesStreamed() / 1e6,
        r.getSourceNodeIdsList().stream().map(id -> "n" + id).toList(), r.getStreamMillis() / 1000.0,
        r.getMillis() / 1000.0);
    TopologyResponse t = c.topology();
    out.println("ring shares now:");
    for (NodeInfo n : t.getNodesList()) {
      out.printf("  n%-3d %5.1f%% primary, %5.1f%% replica%n", n.getNodeId(), n.getRingShare() * 100,
          n.getReplicaShare() * 100);
    }
  }
}
