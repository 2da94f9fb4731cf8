package io.dialkv.client.balancer;

/**
 * One node's line in what the client's balancer sees.
 *
 * @param nodeId the node's id, or -1 while the cluster's topology is not known yet
 * @param address host:port the client connects to
 * @param state what the balancer makes of the node now
 * @param inFlight requests sent to the node and not yet answered
 * @param requests requests sent to the node since the client started
 * @param failures requests that failed for reasons of the node itself (connection lost, timeout)
 * @param ejections how many times the node has been ejected since it was last healthy for a while
 */
public record NodeStats(
    int nodeId,
    String address,
    NodeState state,
    int inFlight,
    long requests,
    long failures,
    int ejections) {

  /** "n3", or the address when the id is not known. */
  public String name() {
    return nodeId < 0 ? address : "n" + nodeId;
  }
}
