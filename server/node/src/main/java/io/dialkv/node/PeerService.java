package io.dialkv.node;

import io.dialkv.core.node.DialNode;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.proto.v1.peer.HeartbeatResponse;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.dialkv.proto.v1.peer.ReplicaReadResponse;
import io.dialkv.proto.v1.peer.ReplicaWriteResponse;
import io.grpc.stub.StreamObserver;

/** The gRPC face of a node's replica role: translates peer requests to core calls and back. */
final class PeerService extends PeerGrpc.PeerImplBase {
  private final DialNode node;
  private final LinkRules links;

  PeerService(DialNode node, LinkRules links) {
    this.node = node;
    this.links = links;
  }

  /** Requests from a peer behind a cut link are dropped unanswered; the peer times out. */
  private boolean cut(int from) {
    return links.blocks(from);
  }

  @Override
  public void write(
      io.dialkv.proto.v1.peer.ReplicaWriteRequest request,
      StreamObserver<ReplicaWriteResponse> response) {
    if (cut(request.getFromNodeId())) {
      return;
    }
    Replies.relay(
        node.handlePeer(
            new ReplicaWriteRequest(
                request.getFromNodeId(), request.getKey(), ProtoCodec.fromProto(request.getMutation()))),
        r -> ReplicaWriteResponse.newBuilder().setNodeId(r.nodeId()).build(),
        response);
  }

  @Override
  public void read(
      io.dialkv.proto.v1.peer.ReplicaReadRequest request,
      StreamObserver<ReplicaReadResponse> response) {
    if (cut(request.getFromNodeId())) {
      return;
    }
    Replies.relay(
        node.handlePeer(new ReplicaReadRequest(request.getFromNodeId(), request.getKey())),
        r -> ReplicaReadResponse.newBuilder()
            .setNodeId(r.nodeId())
            .setRow(ProtoCodec.toProto(r.row()))
            .build(),
        response);
  }

  @Override
  public void heartbeat(
      io.dialkv.proto.v1.peer.HeartbeatRequest request,
      StreamObserver<HeartbeatResponse> response) {
    if (cut(request.getFromNodeId())) {
      return;
    }
    Replies.relay(
        node.handlePeer(
            new HeartbeatRequest(request.getFromNodeId(), ProtoCodec.fromProto(request.getClock()))),
        r -> HeartbeatResponse.newBuilder()
            .setNodeId(r.nodeId())
            .setClock(ProtoCodec.toProto(r.clock()))
            .build(),
        response);
  }
}
