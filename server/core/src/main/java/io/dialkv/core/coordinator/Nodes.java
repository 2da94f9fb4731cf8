package io.dialkv.core.coordinator;

import java.util.Collection;
import java.util.stream.Collectors;

/** How node ids read in messages: "n1, n3". */
final class Nodes {
  private Nodes() {}

  static String names(Collection<Integer> nodes) {
    return nodes.isEmpty()
        ? "none"
        : nodes.stream().map(n -> "n" + n).collect(Collectors.joining(", "));
  }
}
