package io.dialkv.client.balancer;

/** A node as the client's balancer sees it. */
public enum NodeState {
  /** Connecting, or connected and waiting for the node's first health report. */
  CONNECTING,
  /** Connected and reporting SERVING: receives requests. */
  HEALTHY,
  /**
   * Connected but reporting NOT_SERVING (starting, draining, or cut off from every peer): used only
   * when no node is healthy.
   */
  NOT_SERVING,
  /** Failed several requests in a row: left out for a while, longer each time it happens again. */
  EJECTED,
  /** Cannot be connected to. */
  DOWN
}
