package io.dialkv.node;

import io.dialkv.core.node.ClusterView;
import io.dialkv.core.node.DialNode;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.HintsRequest;
import io.dialkv.proto.v1.HintsResponse;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.PendingHints;
import io.dialkv.proto.v1.RepairRequest;
import io.dialkv.proto.v1.RepairResponse;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.grpc.stub.StreamObserver;

/** The cluster's topology as this node sees it, over gRPC. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
  private final DialNode node;

  ClusterService(DialNode node) {
    this.node = node;
  }

  @Override
  public void topology(TopologyRequest request, StreamObserver<TopologyResponse> observer) {
    Replies.relay(node.topology(), ClusterService::toProto, observer);
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
            .build(),
        observer);
  }

  private static TopologyResponse toProto(ClusterView view) {
    TopologyResponse.Builder b =
        TopologyResponse.newBuilder()
            .setAnsweredByNodeId(view.answeredBy())
            .setReplicationFactor(view.replicationFactor());
    for (ClusterView.Member m : view.nodes()) {
      b.addNodes(
          NodeInfo.newBuilder()
              .setNodeId(m.nodeId())
              .setAddress(m.address())
              .setLiveness(m.alive() ? Liveness.UP : Liveness.DOWN)
              .setPhi(Double.isFinite(m.phi()) ? Math.max(0, m.phi()) : Double.MAX_VALUE)
              .setTokenCount(m.tokens().size())
              .setRingShare(m.primaryShare())
              .setReplicaShare(m.replicaShare())
              .addAllTokens(m.tokens()));
    }
    return b.build();
  }
}
