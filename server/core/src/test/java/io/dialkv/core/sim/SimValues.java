package io.dialkv.core.sim;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** Values as the simulated-cluster tests write and look for them. */
final class SimValues {
  private SimValues() {}

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** The plain value a node's disk holds for the key, or null if none (absent or deleted). */
  static String onDisk(SimCluster cluster, int node, String key) {
    Optional<Row> row = cluster.disk(node).get(key);
    Cell cell = row.map(r -> r.liveCells().get(Mutation.VALUE_CELL)).orElse(null);
    return cell == null ? null : new String(cell.valueUnsafe(), StandardCharsets.UTF_8);
  }
}
