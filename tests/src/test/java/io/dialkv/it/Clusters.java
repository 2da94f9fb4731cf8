package io.dialkv.it;

import io.dialkv.harness.ProcessCluster;
import java.io.IOException;
import java.nio.file.Path;

/** Node-process clusters for the tests, from the node jar the build just made. */
final class Clusters {
  private Clusters() {}

  static Path nodeJar() {
    return Path.of(System.getProperty("dialkv.node.jar", "../server/node/target/dialkv-node.jar"));
  }

  static Path dir() {
    return Path.of(System.getProperty("dialkv.test.dir", "target/clusters"));
  }

  static ProcessCluster start(int size, int replicationFactor) throws IOException {
    return new ProcessCluster(size, replicationFactor, nodeJar(), dir(), false);
  }

  /** A cluster whose nodes all get the given extra flags. */
  static ProcessCluster startWith(int size, int replicationFactor, String... nodeArgs) throws IOException {
    return new ProcessCluster(size, replicationFactor, nodeJar(), dir(), false, null, java.util.List.of(nodeArgs));
  }

  /** A cluster whose nodes serve the admin (fault injection) API to the test. */
  static ProcessCluster startInTestMode(int size, int replicationFactor) throws IOException {
    return new ProcessCluster(size, replicationFactor, nodeJar(), dir(), true);
  }
}
