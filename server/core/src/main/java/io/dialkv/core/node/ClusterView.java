package io.dialkv.core.node;

import java.util.List;

/**
 * The cluster as one node sees it.
 *
 * @param answeredBy the node whose view this is
 * @param replicationFactor replicas per key
 * @param nodes every member, by id
 */
public record ClusterView(int answeredBy, int replicationFactor, List<Member> nodes) {

  /**
   * One member.
   *
   * @param nodeId its id
   * @param address its advertised address
   * @param alive whether the viewing node's failure detector thinks it is up
   * @param phi the failure detector's suspicion (0 for the viewing node itself)
   * @param tokens its tokens on the ring
   * @param primaryShare fraction of the token space it owns as first replica
   * @param replicaShare fraction of the token space it holds a replica of
   */
  public record Member(
      int nodeId,
      String address,
      boolean alive,
      double phi,
      List<Long> tokens,
      double primaryShare,
      double replicaShare) {}
}
