package io.dialkv.node;

import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.membership.MembershipChange;
import io.dialkv.core.node.ClusterView;
import io.dialkv.core.node.DialNode;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.DecommissionRequest;
import io.dialkv.proto.v1.HintsRequest;
import io.dialkv.proto.v1.HintsResponse;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.MembershipChangeResponse;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.NodeState;
import io.dialkv.proto.v1.PendingHints;
import io.dialkv.proto.v1.RemoveNodeRequest;
import io.dialkv.proto.v1.RepairRequest;
import io.dialkv.proto.v1.RepairResponse;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.function.Supplier;

/** The cluster's topology as this node sees it, over gRPC. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final DialNode node;
  // This node's metrics endpoint, "" without one: known only once the metrics server listens.
  private final Supplier<String> metricsAddress;

  ClusterService(DialNode node, Supplier<String> metricsAddress) {
    this.node = node;
    this.metricsAddress = metricsAddress;
  }

  @Override
  public void topology(TopologyRequest request, StreamObserver<TopologyResponse> observer) {
    Replies.relay(node.topology(), view -> toProto(view).toBuilder().setMetricsAddress(metricsAddress.get()).build(),
        observer);
  }

  @Override
  public void hints(HintsRequest request, StreamObserver<HintsResponse> observer) {
    Replies.relay(
        node.pendingHints(),
        pending -> {
          HintsResponse.Builder b = HintsResponse.newBuilder().setNodeId(node.config().nodeId());
          for (io.dialkv.core.handoff.PendingHints p : pending) {
            b.addPending(
                PendingHints.newBuilder()
                    .setTargetNodeId(p.target())
                    .setCount(p.count())
                    .setOldestAgeMillis(p.oldestAgeMillis()));
          }
          return b.build();
        },
        observer);
  }

  @Override
  public void repair(RepairRequest request, StreamObserver<RepairResponse> observer) {
    Replies.relay(
        node.repair(),
        r -> RepairResponse.newBuilder()
            .setNodeId(r.nodeId())
            .setRanges(r.ranges())
            .setRangesDiffering(r.rangesDiffering())
            .setLeavesDiffering(r.leavesDiffering())
            .setRowsStreamed(r.rowsStreamed())
            .setBytesStreamed(r.bytesStreamed())
            .setMillis(r.millis())
            .addAllUnreachableNodeIds(r.unreachable())
            .setTombstonesPurged(r.tombstonesPurged())
            .addAllFailedNodeIds(r.failed())
            .setLeavesNotRepaired(r.leavesNotRepaired())
            .build(),
        observer);
  }

  @Override
  public void decommission(DecommissionRequest request, StreamObserver<MembershipChangeResponse> observer) {
    int self = node.config().nodeId();
    if (request.getNodeId() != self) {
      observer.onError(Status.FAILED_PRECONDITION
          .withDescription("this is n" + self + "; send the decommission of n" + request.getNodeId()
              + " to n" + request.getNodeId() + " itself (it streams its own ranges)")
          .asRuntimeException());
      return;
    }
    Replies.relay(node.decommission(), ClusterService::toProto, observer);
  }

  @Override
  public void removeNode(RemoveNodeRequest request, StreamObserver<MembershipChangeResponse> observer) {
    Replies.relay(node.removeNode(request.getNodeId()), ClusterService::toProto, observer);
  }

  private static MembershipChangeResponse toProto(MembershipChange c) {
    return MembershipChangeResponse.newBuilder()
        .setNodeId(c.nodeId())
        .setState(toProto(c.became()))
        .addAllSourceNodeIds(c.sources())
        .setRowsStreamed(c.rowsStreamed())
        .setBytesStreamed(c.bytesStreamed())
        .setMillis(c.millis())
        .setStreamMillis(c.streamMillis())
        .build();
  }

  private static NodeState toProto(MemberStatus status) {
    return switch (status) {
      case JOINING -> NodeState.NODE_STATE_JOINING;
      case NORMAL -> NodeState.NODE_STATE_NORMAL;
      case LEAVING -> NodeState.NODE_STATE_LEAVING;
      case LEFT -> NodeState.NODE_STATE_UNSPECIFIED;
    };
  }

  private static TopologyResponse toProto(ClusterView view) {
    TopologyResponse.Builder b =
        TopologyResponse.newBuilder()
            .setAnsweredByNodeId(view.answeredBy())
            .setReplicationFactor(view.replicationFactor())
            .setVirtualNodes(view.virtualNodes());
    for (ClusterView.Member m : view.nodes()) {
      b.addNodes(
          NodeInfo.newBuilder()
              .setNodeId(m.nodeId())
              .setAddress(m.clientAddress())
              .setLiveness(m.alive() ? Liveness.UP : Liveness.DOWN)
              .setPhi(Double.isFinite(m.phi()) ? Math.max(0, m.phi()) : Double.MAX_VALUE)
              .setTokenCount(m.tokens().size())
              .setRingShare(m.primaryShare())
              .setReplicaShare(m.replicaShare())
              .setState(toProto(m.status()))
              .setRingShareAfter(m.primaryShareAfter())
              .setReplicaShareAfter(m.replicaShareAfter())
              .addAllTokens(m.tokens()));
    }
    return b.build();
  }
}
