package io.dialkv.node;

import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.NodeState;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node started with {@code --join} learns before it starts: the members, replication factor
 * and virtual nodes of the running cluster, from the first seed that answers; and whether it may
 * join at all.
 */
final class ClusterJoin {
  private static final Logger log = LoggerFactory.getLogger(ClusterJoin.class);

  /** The cluster this node joins, as its configuration needs it (this node included). */
  record Plan(Map<Integer, String> members, int replicationFactor, int virtualNodes) {}

  private ClusterJoin() {}

  static Plan plan(int nodeId, String selfAddress, List<String> seeds) {
    TopologyResponse topology = ask(seeds);
    Map<Integer, String> members = new TreeMap<>();
    for (NodeInfo n : topology.getNodesList()) {
      if (n.getNodeId() == nodeId) {
        if (!n.getAddress().equals(selfAddress)) {
          throw new IllegalArgumentException(
              "node id " + nodeId + " is already in use by the member at " + n.getAddress() + " ("
                  + state(n) + "); give this node an id no member has (members: " + ids(topology) + ")");
        }
        // This node itself, restarted: it rejoins as what it was.
        log.info("n{}: already a member at {}; rejoining", nodeId, selfAddress);
      } else if (n.getAddress().equals(selfAddress)) {
        throw new IllegalArgumentException(
            selfAddress + " is already the address of n" + n.getNodeId() + "; give this node its own address");
      } else if (n.getLiveness() != Liveness.UP) {
        throw new IllegalArgumentException(
            "n" + n.getNodeId() + " is down (as n" + topology.getAnsweredByNodeId() + " sees it); every member "
                + "must be up while ranges move: bring it back, or remove it (dialkv node remove "
                + n.getNodeId() + ") if it is gone for good");
      } else if (n.getState() == NodeState.NODE_STATE_JOINING || n.getState() == NodeState.NODE_STATE_LEAVING) {
        throw new IllegalArgumentException(
            "n" + n.getNodeId() + " is " + state(n) + "; the cluster makes one membership change at a "
                + "time, so join again once it is done (dialkv cluster status shows it)");
      }
      members.put(n.getNodeId(), n.getAddress());
    }
    members.put(nodeId, selfAddress);
    int virtualNodes = topology.getVirtualNodes() > 0
        ? topology.getVirtualNodes()
        : topology.getNodes(0).getTokenCount();
    log.info("n{}: joining the cluster of {} through n{} (replication factor {}, {} virtual nodes)",
        nodeId, ids(topology), topology.getAnsweredByNodeId(), topology.getReplicationFactor(), virtualNodes);
    return new Plan(members, topology.getReplicationFactor(), virtualNodes);
  }

  private static TopologyResponse ask(List<String> seeds) {
    List<String> failures = new ArrayList<>();
    for (String seed : seeds) {
      NodeMain.parseAddress(seed);
      ManagedChannel channel = NettyChannelBuilder.forTarget(seed).usePlaintext().build();
      try {
        TopologyResponse topology = ClusterGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .topology(TopologyRequest.getDefaultInstance());
        if (topology.getNodesCount() > 0) {
          return topology;
        }
        failures.add(seed + ": no members");
      } catch (StatusRuntimeException e) {
        failures.add(seed + ": " + e.getStatus().getCode()
            + (e.getStatus().getDescription() == null ? "" : " " + e.getStatus().getDescription()));
      } finally {
        channel.shutdownNow();
      }
    }
    throw new IllegalArgumentException("no node to join through answered: " + String.join("; ", failures));
  }

  private static String state(NodeInfo n) {
    return switch (n.getState()) {
      case NODE_STATE_JOINING -> "joining";
      case NODE_STATE_LEAVING -> "leaving";
      default -> "normal";
    };
  }

  private static List<String> ids(TopologyResponse topology) {
    return topology.getNodesList().stream().map(n -> "n" + n.getNodeId()).toList();
  }
}
