package io.dialkv.cli;

import io.dialkv.client.DialClient;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.RepairResponse;
import io.dialkv.proto.v1.TopologyResponse;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dialkv repair}: anti-entropy repair, on demand. */
@Command(
    name = "repair",
    mixinStandardHelpOptions = true,
    description = {
      "Anti-entropy repair: for every token range a node holds a replica of, the range's live",
      "replicas compare Merkle trees of their rows, and only the parts that differ are streamed",
      "(cells with their timestamps, tombstones included, so deleted values stay deleted).",
      "Brings back a node that lost its data or missed writes beyond what hints covered.",
      "Without --node, repairs every node in turn."
    },
    footer = {"", ExitCodes.HELP})
final class RepairCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(names = "--node", paramLabel = "N", description = "Repair only this node's ranges.")
  Integer node;

  @Option(names = "--wait-ms", defaultValue = "600000",
      description = "Give up on a node's repair after this long (default: ${DEFAULT-VALUE}).")
  long waitMillis;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (DialClient c = client.connect()) {
      TopologyResponse topology = c.topology();
      List<NodeInfo> targets = new ArrayList<>();
      for (NodeInfo n : topology.getNodesList()) {
        if (node == null || n.getNodeId() == node) {
          targets.add(n);
        }
      }
      if (targets.isEmpty()) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "no node " + node + " in the cluster (nodes: " + topology.getNodesList().stream()
                .map(n -> "n" + n.getNodeId()).toList() + ")");
      }
      boolean complete = true;
      boolean failed = false;
      for (NodeInfo n : targets) {
        RepairResponse r = c.repair(n.getAddress(), Duration.ofMillis(waitMillis));
        if (client.json()) {
          out.println(Printer.json(r));
        } else {
          out.printf("n%d: %d ranges compared, %d differed (%d Merkle leaves); %d rows streamed"
                  + " (%.1f KB) in %.1f s%s%s%n",
              r.getNodeId(), r.getRanges(), r.getRangesDiffering(), r.getLeavesDiffering(),
              r.getRowsStreamed(), r.getBytesStreamed() / 1024.0, r.getMillis() / 1000.0,
              r.getTombstonesPurged() == 0 ? "" : "; deletion markers purged from " + r.getTombstonesPurged() + " rows",
              r.getUnreachableNodeIdsCount() == 0 ? ""
                  : "; not repaired with unreachable " + r.getUnreachableNodeIdsList().stream()
                      .map(id -> "n" + id).toList());
          if (r.getFailedNodeIdsCount() > 0) {
            out.printf("n%d: %d differing leaves NOT repaired: %s failed to send or take rows (see n%d's log)%n",
                r.getNodeId(), r.getLeavesNotRepaired(),
                r.getFailedNodeIdsList().stream().map(id -> "n" + id).toList(), r.getNodeId());
          }
        }
        complete &= r.getUnreachableNodeIdsCount() == 0;
        failed |= r.getFailedNodeIdsCount() > 0;
      }
      return failed ? ExitCodes.FAILURE : complete ? ExitCodes.OK : ExitCodes.UNAVAILABLE;
    }
  }
}
