package io.dialkv.node;

import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.node.ClusterView;
import io.dialkv.core.node.DialNode;
import io.dialkv.core.ring.TokenSpan;
import io.dialkv.core.transport.ApplyRowsRequest;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.RangeDigestRequest;
import io.dialkv.core.transport.RangeRowsRequest;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.node.access.PeerAccess;
import io.dialkv.proto.v1.peer.ClusterInfoRequest;
import io.dialkv.proto.v1.peer.ClusterInfoResponse;
import io.dialkv.proto.v1.peer.HeartbeatResponse;
import io.dialkv.proto.v1.peer.MemberRecord;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.dialkv.proto.v1.peer.ReplicaReadResponse;
import io.dialkv.proto.v1.peer.ReplicaWriteResponse;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gRPC face of a node's replica role: translates peer requests to core calls and back. Every
 * request is decoded under guard (a malformed one is {@code INVALID_ARGUMENT}, never a crash or a
 * stack trace) and must come from the node the caller's certificate names.
 */
final class PeerService extends PeerGrpc.PeerImplBase {
  private final DialNode node;
  private final LinkRules links;

  PeerService(DialNode node, LinkRules links) {
    this.node = node;
    this.links = links;
  }

  /**
   * Decodes a peer's request, hands it to the node and relays its answer. Requests from a peer
   * behind a cut link are dropped unanswered: the peer times out, as across a real partition.
   */
  private <R extends PeerResponse, P> void serve(
      Supplier<PeerRequest<R>> decode, Function<R, P> convert, StreamObserver<P> response) {
    PeerRequest<R> request;
    try {
      request = decode.get();
      checkSender(request.from());
    } catch (RuntimeException e) {
      response.onError(Replies.toStatus(e));
      return;
    }
    if (links.blocks(request.from())) {
      return;
    }
    Replies.relay(node.handlePeer(request), convert, response);
  }

  /** The request's claimed sender must be the node the caller's certificate names. */
  private static void checkSender(int from) {
    Integer certified = PeerAccess.CALLER_NODE.get();
    if (certified != null && certified != 0 && certified != from) {
      throw new io.grpc.StatusRuntimeException(io.grpc.Status.PERMISSION_DENIED.withDescription(
          "the request says it is from n" + from + ", but the caller's certificate is n" + certified));
    }
  }

  @Override
  public void write(
      io.dialkv.proto.v1.peer.ReplicaWriteRequest request,
      StreamObserver<ReplicaWriteResponse> response) {
    serve(
        () -> new ReplicaWriteRequest(
            request.getFromNodeId(), request.getKey(), ProtoCodec.fromProto(request.getMutation())),
        r -> {
          ReplicaWriteResponse.Builder b = ReplicaWriteResponse.newBuilder().setNodeId(r.nodeId());
          if (r.supersededBy() != null) {
            b.setSupersededBy(ProtoCodec.toProto(r.supersededBy()));
          }
          return b.build();
        },
        response);
  }

  @Override
  public void read(
      io.dialkv.proto.v1.peer.ReplicaReadRequest request,
      StreamObserver<ReplicaReadResponse> response) {
    serve(
        () -> new ReplicaReadRequest(request.getFromNodeId(), request.getKey()),
        r -> ReplicaReadResponse.newBuilder()
            .setNodeId(r.nodeId())
            .setRow(ProtoCodec.toProto(r.row()))
            .build(),
        response);
  }

  @Override
  public void prepare(
      io.dialkv.proto.v1.peer.PrepareRequest request,
      StreamObserver<io.dialkv.proto.v1.peer.PrepareResponse> response) {
    serve(
        () -> new PrepareRequest(
            request.getFromNodeId(), request.getKey(), ProtoCodec.fromProto(request.getBallot())),
        r -> {
          var b = io.dialkv.proto.v1.peer.PrepareResponse.newBuilder()
              .setNodeId(r.nodeId())
              .setPromised(r.promised())
              .setPromisedBallot(ProtoCodec.toProto(r.promisedBallot()));
          if (r.accepted() != null) {
            b.setAccepted(ProtoCodec.toProto(r.accepted()));
          }
          if (r.committed() != null) {
            b.setCommitted(ProtoCodec.toProto(r.committed()));
          }
          return b.build();
        },
        response);
  }

  @Override
  public void propose(
      io.dialkv.proto.v1.peer.ProposeRequest request,
      StreamObserver<io.dialkv.proto.v1.peer.ProposeResponse> response) {
    serve(
        () -> new ProposeRequest(request.getFromNodeId(), request.getKey(),
            ProtoCodec.fromProto(request.getProposal(), true)),
        r -> io.dialkv.proto.v1.peer.ProposeResponse.newBuilder()
            .setNodeId(r.nodeId())
            .setAccepted(r.accepted())
            .setPromisedBallot(ProtoCodec.toProto(r.promisedBallot()))
            .build(),
        response);
  }

  @Override
  public void commit(
      io.dialkv.proto.v1.peer.CommitRequest request,
      StreamObserver<io.dialkv.proto.v1.peer.CommitResponse> response) {
    serve(
        () -> new CommitRequest(request.getFromNodeId(), request.getKey(),
            ProtoCodec.fromProto(request.getProposal(), true)),
        r -> io.dialkv.proto.v1.peer.CommitResponse.newBuilder().setNodeId(r.nodeId()).build(),
        response);
  }

  @Override
  public void rangeDigest(
      io.dialkv.proto.v1.peer.RangeDigestRequest request,
      StreamObserver<io.dialkv.proto.v1.peer.RangeDigestResponse> response) {
    serve(
        () -> new RangeDigestRequest(request.getFromNodeId(), request.getRangesList()),
        r -> {
          io.dialkv.proto.v1.peer.RangeDigestResponse.Builder b =
              io.dialkv.proto.v1.peer.RangeDigestResponse.newBuilder().setNodeId(r.nodeId());
          r.leaves().forEach((range, leaves) -> {
            io.dialkv.proto.v1.peer.RangeLeaves.Builder rl =
                io.dialkv.proto.v1.peer.RangeLeaves.newBuilder().setRange(range);
            for (long leaf : leaves) {
              rl.addLeaves(leaf);
            }
            b.addRanges(rl);
          });
          return b.build();
        },
        response);
  }

  @Override
  public void rangeRows(
      io.dialkv.proto.v1.peer.RangeRowsRequest request,
      StreamObserver<io.dialkv.proto.v1.peer.RangeRowsResponse> response) {
    serve(
        () -> new RangeRowsRequest(request.getFromNodeId(), request.getLeavesList(), request.getAfterKey(),
            request.getMaxBytes()),
        r -> io.dialkv.proto.v1.peer.RangeRowsResponse.newBuilder()
            .setNodeId(r.nodeId())
            .addAllRows(ProtoCodec.toProto(r.rows()))
            .setMore(r.more())
            .setResumeAfter(r.resumeAfter())
            .build(),
        response);
  }

  @Override
  public void heartbeat(
      io.dialkv.proto.v1.peer.HeartbeatRequest request,
      StreamObserver<HeartbeatResponse> response) {
    serve(
        () -> new HeartbeatRequest(request.getFromNodeId(), ProtoCodec.fromProto(request.getClock()),
            request.getMembershipDigest(), ProtoCodec.fromProto(request.getMembersList())),
        r -> HeartbeatResponse.newBuilder()
            .setNodeId(r.nodeId())
            .setClock(ProtoCodec.toProto(r.clock()))
            .setMembershipDigest(r.membershipDigest())
            .addAllMembers(ProtoCodec.toProto(r.members()))
            .build(),
        response);
  }

  @Override
  public void fetchRows(
      io.dialkv.proto.v1.peer.FetchRowsRequest request,
      StreamObserver<io.dialkv.proto.v1.peer.FetchRowsResponse> response) {
    serve(
        () -> new FetchRowsRequest(request.getFromNodeId(),
            request.getSpansList().stream().map(s -> new TokenSpan(s.getStart(), s.getEnd())).toList(),
            request.getAfterKey(), request.getMaxBytes()),
        r -> io.dialkv.proto.v1.peer.FetchRowsResponse.newBuilder()
            .setNodeId(r.nodeId())
            .addAllRows(ProtoCodec.toProto(r.rows()))
            .setMore(r.more())
            .setResumeAfter(r.resumeAfter())
            .build(),
        response);
  }

  @Override
  public void applyRows(
      io.dialkv.proto.v1.peer.ApplyRowsRequest request, StreamObserver<ReplicaWriteResponse> response) {
    serve(
        () -> new ApplyRowsRequest(request.getFromNodeId(), ProtoCodec.rowsFromProto(request.getRowsList())),
        r -> ReplicaWriteResponse.newBuilder().setNodeId(r.nodeId()).build(),
        response);
  }

  @Override
  public void clusterInfo(ClusterInfoRequest request, StreamObserver<ClusterInfoResponse> response) {
    try {
      checkSender(request.getFromNodeId());
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
