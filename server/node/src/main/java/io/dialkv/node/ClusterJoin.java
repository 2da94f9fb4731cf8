package io.dialkv.node;

import io.dialkv.proto.v1.peer.ClusterInfoRequest;
import io.dialkv.proto.v1.peer.ClusterInfoResponse;
import io.dialkv.proto.v1.peer.MemberRecord;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.dialkv.security.Tls;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node started with {@code --join} learns before it starts: the members, replication factor
 * and virtual nodes of the running cluster, from the first seed's peer port that answers (with the
 * joining node's own certificate, as every peer call); and whether it may join at all.
 */
final class ClusterJoin {
  private static final Logger log = LoggerFactory.getLogger(ClusterJoin.class);

  /** The cluster this node joins, as its configuration needs it (this node included). */
  record Plan(Map<Integer, String> members, int replicationFactor, int virtualNodes) {}

  private ClusterJoin() {}

  /**
   * @param selfAddress this node's advertised peer address
   * @param seeds peer addresses of running members
   * @param tls this node's credentials, or null for a cluster without TLS
   */
  static Plan plan(int nodeId, String selfAddress, List<String> seeds, Tls tls) {
    ClusterInfoResponse info = ask(nodeId, seeds, tls);
    Set<Integer> live = new TreeSet<>(info.getLiveNodeIdsList());
    Map<Integer, String> members = new TreeMap<>();
    List<String> ids = info.getMembersList().stream().map(m -> "n" + m.getNodeId()).toList();
    for (MemberRecord n : info.getMembersList()) {
      if (n.getNodeId() == nodeId) {
        if (!n.getAddress().equals(selfAddress)) {
          throw new IllegalArgumentException(
              "node id " + nodeId + " is already in use by the member at " + n.getAddress() + " ("
                  + state(n) + "); give this node an id no member has (members: " + ids + ")");
        }
        // This node itself, restarted: it rejoins as what it was.
        log.info("n{}: already a member at {}; rejoining", nodeId, selfAddress);
      } else if (n.getAddress().equals(selfAddress)) {
        throw new IllegalArgumentException(
            selfAddress + " is already the address of n" + n.getNodeId() + "; give this node its own address");
      } else if (!live.contains(n.getNodeId())) {
        throw new IllegalArgumentException(
            "n" + n.getNodeId() + " is down (as n" + info.getNodeId() + " sees it); every member "
                + "must be up while ranges move: bring it back, or remove it (dialkv node remove "
                + n.getNodeId() + ") if it is gone for good");
      } else if (n.getStatus() == MemberRecord.Status.JOINING || n.getStatus() == MemberRecord.Status.LEAVING) {
        throw new IllegalArgumentException(
            "n" + n.getNodeId() + " is " + state(n) + "; the cluster makes one membership change at a "
                + "time, so join again once it is done (dialkv cluster status shows it)");
      }
      members.put(n.getNodeId(), n.getAddress());
    }
    members.put(nodeId, selfAddress);
    log.info("n{}: joining the cluster of {} through n{} (replication factor {}, {} virtual nodes)",
        nodeId, ids, info.getNodeId(), info.getReplicationFactor(), info.getVirtualNodes());
    return new Plan(members, info.getReplicationFactor(), info.getVirtualNodes());
  }

  private static ClusterInfoResponse ask(int nodeId, List<String> seeds, Tls tls) {
    List<String> failures = new ArrayList<>();
    for (String seed : seeds) {
      NodeMain.parseAddress(seed);
      ManagedChannel channel = (tls == null
          ? NettyChannelBuilder.forTarget(seed).usePlaintext()
          : NettyChannelBuilder.forTarget(seed, tls.peerChannel(0))).build();
      try {
        ClusterInfoResponse info = PeerGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .clusterInfo(ClusterInfoRequest.newBuilder().setFromNodeId(nodeId).build());
        if (info.getMembersCount() > 0 && info.getReplicationFactor() > 0 && info.getVirtualNodes() > 0) {
          return info;
        }
        failures.add(seed + ": no members");
      } catch (StatusRuntimeException e) {
        failures.add(seed + ": " + e.getStatus().getCode()
            + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription()));
      } finally {
        channel.shutdownNow();
      }
    }
    throw new IllegalArgumentException("no node to join through answered on its peer port: "
        + String.join("; ", failures) + " (--join takes peer addresses, the members' --peer-advertise)");
  }

  private static String state(MemberRecord n) {
    return switch (n.getStatus()) {
      case JOINING -> "joining";
      case LEAVING -> "leaving";
      default -> "normal";
    };
  }
}
