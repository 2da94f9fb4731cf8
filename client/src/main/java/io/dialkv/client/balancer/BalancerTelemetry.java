package io.dialkv.client.balancer;

import java.util.List;
import java.util.function.Supplier;

/**
 * Where a client reads what its balancer sees. The channel's load balancer attaches itself once it
 * has its first nodes; until then the view is empty. Thread-safe.
 */
public final class BalancerTelemetry {
  private volatile Supplier<List<NodeStats>> source = List::of;

  void attach(Supplier<List<NodeStats>> source) {
    this.source = source;
  }

  /** Every node the balancer knows, in the order the cluster's topology lists them. */
  public List<NodeStats> nodes() {
    return source.get();
  }
}
