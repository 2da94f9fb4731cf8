package io.dialkv.core.membership;

/**
 * Decides which peers are alive. The coordinator consults it before fanning out, to fail fast
 * when too few replicas are up instead of waiting for timeouts.
 *
 * <p>Used only from the owning node's event loop.
 */
public interface FailureDetector {

  /** Evidence that the node was alive at the given monotonic time. */
  void heartbeat(int nodeId, long nowNanos);

  /** Suspicion level; higher means more likely dead. */
  double phi(int nodeId, long nowNanos);

  boolean isAlive(int nodeId, long nowNanos);
}
