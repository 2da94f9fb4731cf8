package io.dialkv.node;

import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.node.ClusterView;
import io.dialkv.core.node.DialNode;
import io.dialkv.core.time.Scheduler;
import io.dialkv.node.access.PeerAccess;
import io.dialkv.proto.v1.peer.ClusterInfoRequest;
import io.dialkv.proto.v1.peer.ClusterInfoResponse;
import io.dialkv.proto.v1.peer.MemberRecord;
import io.dialkv.proto.v1.peer.PeerBatch;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.dialkv.proto.v1.peer.PeerReplies;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * The gRPC face of a node's replica role: the {@code Exchange} stream each peer sends its requests
 * on ({@link PeerStream}), and {@code ClusterInfo} for a node about to join. Every request is
 * decoded under guard (a malformed one is {@code INVALID_ARGUMENT}, never a crash or a stack trace)
 * and must come from the node the caller's certificate names.
 */
final class PeerService extends PeerGrpc.PeerImplBase {
  private final DialNode node;
  private final LinkRules links;
  private final PeerAccess access;
  private final Scheduler loop;

  PeerService(DialNode node, LinkRules links, PeerAccess access, Scheduler loop) {
    this.node = node;
    this.links = links;
    this.access = access;
    this.loop = loop;
  }

  @Override
  public StreamObserver<PeerBatch> exchange(StreamObserver<PeerReplies> replies) {
    Integer certified = PeerAccess.CALLER_NODE.get();
    return new PeerStream(node, links, access, certified == null ? 0 : certified, loop, replies);
  }

  /** The request's claimed sender must be the node the caller's certificate names. */
  @Override
  public void clusterInfo(ClusterInfoRequest request, StreamObserver<ClusterInfoResponse> response) {
    try {
      Integer certified = PeerAccess.CALLER_NODE.get();
      PeerAccess.checkClaimedSender(certified == null ? 0 : certified, request.getFromNodeId());
      if (request.getFromNodeId() < 1) {
        throw new InvalidRequestException("from_node_id must be a positive node id");
      }
    } catch (RuntimeException e) {
      response.onError(Replies.toStatus(e));
      return;
    }
    Replies.relay(node.topology(), PeerService::toClusterInfo, response);
  }

  private static ClusterInfoResponse toClusterInfo(ClusterView view) {
    ClusterInfoResponse.Builder b = ClusterInfoResponse.newBuilder()
        .setNodeId(view.answeredBy())
        .setReplicationFactor(view.replicationFactor())
        .setVirtualNodes(view.virtualNodes());
    List<MemberRecord> members = new ArrayList<>();
    for (ClusterView.Member m : view.nodes()) {
      members.add(MemberRecord.newBuilder()
          .setNodeId(m.nodeId())
          .setAddress(m.address())
          .setClientAddress(m.clientAddress())
          .setStatus(MemberRecord.Status.forNumber(m.status().ordinal()))
          .build());
      if (m.alive()) {
        b.addLiveNodeIds(m.nodeId());
      }
    }
    return b.addAllMembers(members).build();
  }
}
