package io.dialkv.cli;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.HintsResponse;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.PendingHints;
import io.dialkv.proto.v1.TopologyResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code dialkv hints}: what each node keeps for replicas that missed writes. */
@Command(
    name = "hints",
    mixinStandardHelpOptions = true,
    description = {
      "Pending hints on every node: writes a coordinator keeps for a replica that was down or did",
      "not answer, and hands over when the replica is back (hinted handoff). Hints older than the",
      "nodes' --hint-window-s are dropped; such a replica needs anti-entropy repair."
    },
    footer = {"", ExitCodes.HELP})
final class HintsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (DialClient c = client.connect()) {
      TopologyResponse topology = c.topology();
      List<String> lines = new ArrayList<>();
      List<String> json = new ArrayList<>();
      long total = 0;
      for (NodeInfo node : topology.getNodesList()) {
        String name = "n" + node.getNodeId();
        try {
          HintsResponse hints = c.hints(node.getAddress());
          json.add(Printer.json(hints));
          if (hints.getPendingCount() == 0) {
            lines.add(String.format("%-5s none", name));
          }
          for (PendingHints p : hints.getPendingList()) {
            total += p.getCount();
            lines.add(String.format("%-5s for n%d: %d (oldest %.1f s)",
                name, p.getTargetNodeId(), p.getCount(), p.getOldestAgeMillis() / 1000.0));
          }
        } catch (DialException e) {
          lines.add(String.format("%-5s not answering (%s)", name, e.getMessage()));
        }
      }
      if (client.json()) {
        out.println("[" + String.join(",\n", json) + "]");
      } else {
        out.println("node  pending hints");
        lines.forEach(out::println);
        out.printf("%d hints pending in all%n", total);
      }
      return ExitCodes.OK;
    }
  }
}
