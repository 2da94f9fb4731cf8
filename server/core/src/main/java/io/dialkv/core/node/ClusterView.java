package io.dialkv.core.node;

import io.dialkv.core.membership.MemberStatus;
import java.util.List;

/**
 * The cluster as one node sees it.
 *
 * @param answeredBy the node whose view this is
 * @param replicationFactor replicas per key
 * @param virtualNodes tokens per node
 * @param nodes every member, by id
 */
public record ClusterView(int answeredBy, int replicationFactor, int virtualNodes, List<Member> nodes) {

  /**
   * One member.
   *
   * @param nodeId its id
   * @param address where other nodes reach it (its peer address)
   * @param clientAddress where clients reach it; empty until the node has said
   * @param status joining, normal or leaving (members that left are not listed)
   * @param alive whether the viewing node's failure detector thinks it is up
   * @param phi the failure detector's suspicion (0 for the viewing node itself)
   * @param tokens its tokens on the ring
   * @param primaryShare fraction of the token space it owns as first replica
   * @param replicaShare fraction of the token space it holds a replica of
   * @param primaryShareAfter {@code primaryShare} once the member joining or leaving is done
   * @param replicaShareAfter {@code replicaShare} likewise
   */
  public record Member(
      int nodeId,
      String address,
      String clientAddress,
      MemberStatus status,
      boolean alive,
      double phi,
      List<Long> tokens,
      double primaryShare,
      double replicaShare,
      double primaryShareAfter,
      double replicaShareAfter) {}
}
