package io.dialkv.harness;

import java.io.IOException;
import java.util.List;

/**
 * Where a node process runs: on this host as it is, in a network namespace of its own, or on an
 * emulated machine (a namespace and a CPU and memory cap).
 */
public interface NodeLauncher {
  /** Runs nodes as plain processes of this host. */
  NodeLauncher LOCAL = (id, command) -> command;

  /** The command that runs the node's command where node {@code id} lives. */
  List<String> wrap(int id, List<String> command);

  /** Makes the place for a node added later (its namespace, its machine); nothing by default. */
  default void prepare(int id) throws IOException, InterruptedException {}

  /** The address node {@code id} listens on, or null for 127.0.0.1 with ports of its own. */
  default String host(int id) {
    return null;
  }

  /** Runs nodes each in its own namespace of the network. */
  static NodeLauncher in(NetnsNetwork netns) {
    return new NodeLauncher() {
      @Override
      public List<String> wrap(int id, List<String> command) {
        return netns.inNamespace(id, command);
      }

      @Override
      public void prepare(int id) throws IOException, InterruptedException {
        if (!netns.namespaces().contains(netns.namespace(id))) {
          netns.addHost(id);
        }
      }

      @Override
      public String host(int id) {
        return netns.address(id);
      }
    };
  }
}
