package io.dialkv.wire;

import com.google.protobuf.ByteString;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.ring.TokenSpan;
import io.dialkv.core.transport.ApplyRowsRequest;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.CommitResponse;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.FetchRowsResponse;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.HeartbeatResponse;
import io.dialkv.core.transport.LinearizableRequest;
import io.dialkv.core.transport.LinearizableResponse;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.PrepareResponse;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.ProposeResponse;
import io.dialkv.core.transport.RangeDigestRequest;
import io.dialkv.core.transport.RangeDigestResponse;
import io.dialkv.core.transport.RangeRowsRequest;
import io.dialkv.core.transport.RangeRowsResponse;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaReadResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.ReplicaWriteResponse;
import io.dialkv.proto.v1.peer.CompareAndSetSpec;
import io.dialkv.proto.v1.peer.LinearizableRead;
import io.dialkv.proto.v1.peer.MutationSpec;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerReply;
import io.dialkv.proto.v1.peer.RangeLeaves;
import java.util.HashMap;
import java.util.Map;

/**
 * The one place where each peer message meets its protobuf form: requests to {@link PeerEnvelope}
 * bodies and back, answers to {@link PeerReply} bodies and back. Decoding checks what the
 * protobuf types cannot (a body of the wrong kind, member records, rows); a malformed message is
 * an {@link InvalidRequestException} naming what is wrong.
 */
public final class PeerCodec {
  public static final int MAX_MESSAGE_CHARS = 1024;

  private PeerCodec() {}

  /** The request's body; the caller sets the id. */
  public static PeerEnvelope.Builder encode(PeerRequest<?> request) {
    PeerEnvelope.Builder e = PeerEnvelope.newBuilder();
    if (request instanceof ReplicaWriteRequest write) {
      e.setWrite(encodeWrite(write));
    } else if (request instanceof ReplicaReadRequest read) {
      e.setRead(io.dialkv.proto.v1.peer.ReplicaReadRequest.newBuilder()
          .setFromNodeId(read.from()).setKey(read.key()));
    } else if (request instanceof HeartbeatRequest heartbeat) {
      e.setHeartbeat(io.dialkv.proto.v1.peer.HeartbeatRequest.newBuilder()
          .setFromNodeId(heartbeat.from())
          .setClock(ProtoCodec.toProto(heartbeat.clock()))
          .setMembershipDigest(heartbeat.membershipDigest())
          .addAllMembers(ProtoCodec.toProto(heartbeat.members())));
    } else if (request instanceof PrepareRequest prepare) {
      e.setPrepare(io.dialkv.proto.v1.peer.PrepareRequest.newBuilder()
          .setFromNodeId(prepare.from()).setKey(prepare.key()).setBallot(ProtoCodec.toProto(prepare.ballot()))
          .setReadOnly(prepare.readOnly()));
    } else if (request instanceof ProposeRequest propose) {
      e.setPropose(io.dialkv.proto.v1.peer.ProposeRequest.newBuilder()
          .setFromNodeId(propose.from()).setKey(propose.key()).setProposal(ProtoCodec.toProto(propose.proposal()))
          .setCommitIfAccepted(propose.commitIfAccepted()));
    } else if (request instanceof CommitRequest commit) {
      e.setCommit(io.dialkv.proto.v1.peer.CommitRequest.newBuilder()
          .setFromNodeId(commit.from()).setKey(commit.key()).setProposal(ProtoCodec.toProto(commit.proposal())));
    } else if (request instanceof RangeDigestRequest digest) {
      e.setRangeDigest(io.dialkv.proto.v1.peer.RangeDigestRequest.newBuilder()
          .setFromNodeId(digest.from()).addAllRanges(digest.ranges()));
    } else if (request instanceof RangeRowsRequest rows) {
      e.setRangeRows(io.dialkv.proto.v1.peer.RangeRowsRequest.newBuilder()
          .setFromNodeId(rows.from())
          .addAllLeaves(rows.leaves())
          .setAfterKey(rows.afterKey())
          .setMaxBytes(rows.maxBytes()));
    } else if (request instanceof FetchRowsRequest fetch) {
      io.dialkv.proto.v1.peer.FetchRowsRequest.Builder b = io.dialkv.proto.v1.peer.FetchRowsRequest.newBuilder()
          .setFromNodeId(fetch.from()).setAfterKey(fetch.afterKey()).setMaxBytes(fetch.maxBytes());
      fetch.spans().forEach(span -> b.addSpans(
          io.dialkv.proto.v1.peer.TokenSpan.newBuilder().setStart(span.start()).setEnd(span.end())));
      e.setFetchRows(b);
    } else if (request instanceof ApplyRowsRequest apply) {
      e.setApplyRows(io.dialkv.proto.v1.peer.ApplyRowsRequest.newBuilder()
          .setFromNodeId(apply.from()).addAllRows(ProtoCodec.toProto(apply.rows())));
    } else if (request instanceof LinearizableRequest handOff) {
      e.setLinearizable(encodeLinearizable(handOff));
    } else {
      throw new IllegalArgumentException("no encoding for " + request.getClass().getSimpleName());
    }
    return e;
  }

  private static io.dialkv.proto.v1.peer.LinearizableRequest encodeLinearizable(LinearizableRequest request) {
    var b = io.dialkv.proto.v1.peer.LinearizableRequest.newBuilder()
        .setFromNodeId(request.from()).setKey(request.key());
    if (request.action() instanceof LinearizableAction.Read) {
      b.setRead(LinearizableRead.getDefaultInstance());
    } else if (request.action() instanceof LinearizableAction.Write write) {
      MutationSpec.Builder m = MutationSpec.newBuilder()
          .addAllUnset(write.mutation().unset()).setReplaceRow(write.mutation().replaceRow());
      write.mutation().set().forEach((name, value) -> m.putSet(name, ByteString.copyFrom(value)));
      b.setWrite(m);
    } else if (request.action() instanceof LinearizableAction.CompareAndSet cas) {
      CompareAndSetSpec.Builder c = CompareAndSetSpec.newBuilder().setNewValue(ByteString.copyFrom(cas.newValue()));
      if (cas.expected() == null) {
        c.setExpectAbsent(true);
      } else {
        c.setExpected(ByteString.copyFrom(cas.expected()));
      }
      b.setCompareAndSet(c);
    }
    return b.build();
  }

  private static LinearizableRequest decodeLinearizable(io.dialkv.proto.v1.peer.LinearizableRequest r) {
    LinearizableAction action = switch (r.getActionCase()) {
      case READ -> new LinearizableAction.Read();
      case WRITE -> {
        Map<String, byte[]> set = new HashMap<>();
        r.getWrite().getSetMap().forEach((name, value) -> set.put(name, value.toByteArray()));
        yield new LinearizableAction.Write(new Mutation(set, r.getWrite().getUnsetList(), r.getWrite().getReplaceRow()));
      }
      case COMPARE_AND_SET -> {
        var c = r.getCompareAndSet();
        yield new LinearizableAction.CompareAndSet(
            c.getExpectAbsent() ? null : c.getExpected().toByteArray(), c.getNewValue().toByteArray());
      }
      default -> throw new InvalidRequestException("a linearizable operation handed on without an action");
    };
    return new LinearizableRequest(r.getFromNodeId(), r.getKey(), action);
  }

  public static io.dialkv.proto.v1.peer.ReplicaWriteRequest encodeWrite(ReplicaWriteRequest write) {
    return io.dialkv.proto.v1.peer.ReplicaWriteRequest.newBuilder()
        .setFromNodeId(write.from())
        .setKey(write.key())
        .setMutation(ProtoCodec.toProto(write.mutation()))
        .build();
  }

  /** A request as the core takes it; refuses an envelope without a body. */
  public static PeerRequest<?> decode(PeerEnvelope e) {
    switch (e.getBodyCase()) {
      case WRITE -> {
        var r = e.getWrite();
        return new ReplicaWriteRequest(r.getFromNodeId(), r.getKey(), ProtoCodec.fromProto(r.getMutation()));
      }
      case READ -> {
        return new ReplicaReadRequest(e.getRead().getFromNodeId(), e.getRead().getKey());
      }
      case HEARTBEAT -> {
        var r = e.getHeartbeat();
        return new HeartbeatRequest(r.getFromNodeId(), ProtoCodec.fromProto(r.getClock()),
            r.getMembershipDigest(), ProtoCodec.fromProto(r.getMembersList()));
      }
      case PREPARE -> {
        var r = e.getPrepare();
        return new PrepareRequest(r.getFromNodeId(), r.getKey(), ProtoCodec.fromProto(r.getBallot()), r.getReadOnly());
      }
      case PROPOSE -> {
        var r = e.getPropose();
        return new ProposeRequest(r.getFromNodeId(), r.getKey(), ProtoCodec.fromProto(r.getProposal(), true),
            r.getCommitIfAccepted());
      }
      case COMMIT -> {
        var r = e.getCommit();
        return new CommitRequest(r.getFromNodeId(), r.getKey(), ProtoCodec.fromProto(r.getProposal(), true));
      }
      case RANGE_DIGEST -> {
        var r = e.getRangeDigest();
        return new RangeDigestRequest(r.getFromNodeId(), r.getRangesList());
      }
      case RANGE_ROWS -> {
        var r = e.getRangeRows();
        return new RangeRowsRequest(r.getFromNodeId(), r.getLeavesList(), r.getAfterKey(), r.getMaxBytes());
      }
      case FETCH_ROWS -> {
        var r = e.getFetchRows();
        return new FetchRowsRequest(r.getFromNodeId(),
            r.getSpansList().stream().map(s -> new TokenSpan(s.getStart(), s.getEnd())).toList(),
            r.getAfterKey(), r.getMaxBytes());
      }
      case APPLY_ROWS -> {
        var r = e.getApplyRows();
        return new ApplyRowsRequest(r.getFromNodeId(), ProtoCodec.rowsFromProto(r.getRowsList()));
      }
      case LINEARIZABLE -> {
        return decodeLinearizable(e.getLinearizable());
      }
      default -> throw new InvalidRequestException("message " + e.getId() + " has no request in it");
    }
  }

  /** The answer to a request of {@code kind}, as it goes back on the stream. */
  public static PeerReply.Builder encode(PeerEnvelope.BodyCase kind, PeerResponse response) {
    PeerReply.Builder b = PeerReply.newBuilder();
    if (response instanceof ReplicaWriteResponse r) {
      io.dialkv.proto.v1.peer.ReplicaWriteResponse.Builder w =
          io.dialkv.proto.v1.peer.ReplicaWriteResponse.newBuilder().setNodeId(r.nodeId());
      if (r.supersededBy() != null) {
        w.setSupersededBy(ProtoCodec.toProto(r.supersededBy()));
      }
      return kind == PeerEnvelope.BodyCase.APPLY_ROWS ? b.setApplyRows(w) : b.setWrite(w);
    } else if (response instanceof ReplicaReadResponse r) {
      return b.setRead(io.dialkv.proto.v1.peer.ReplicaReadResponse.newBuilder()
          .setNodeId(r.nodeId()).setRow(ProtoCodec.toProto(r.row())));
    } else if (response instanceof HeartbeatResponse r) {
      return b.setHeartbeat(io.dialkv.proto.v1.peer.HeartbeatResponse.newBuilder()
          .setNodeId(r.nodeId())
          .setClock(ProtoCodec.toProto(r.clock()))
          .setMembershipDigest(r.membershipDigest())
          .addAllMembers(ProtoCodec.toProto(r.members())));
    } else if (response instanceof PrepareResponse r) {
      var p = io.dialkv.proto.v1.peer.PrepareResponse.newBuilder()
          .setNodeId(r.nodeId())
          .setPromised(r.promised())
          .setPromisedBallot(ProtoCodec.toProto(r.promisedBallot()));
      if (ProtoCodec.acceptedIsCommitted(r.accepted(), r.committed())) {
        p.setAcceptedIsCommitted(true);
      } else if (r.accepted() != null) {
        p.setAccepted(ProtoCodec.toProto(r.accepted()));
      }
      if (r.committed() != null) {
        p.setCommitted(ProtoCodec.toProto(r.committed()));
      }
      if (r.row() != null) {
        p.setRow(ProtoCodec.toProto(r.row()));
      }
      return b.setPrepare(p);
    } else if (response instanceof ProposeResponse r) {
      return b.setPropose(io.dialkv.proto.v1.peer.ProposeResponse.newBuilder()
          .setNodeId(r.nodeId()).setAccepted(r.accepted()).setPromisedBallot(ProtoCodec.toProto(r.promisedBallot()))
          .setMayHaveAcceptedBefore(r.mayHaveAcceptedBefore()).setCommitted(r.committed()));
    } else if (response instanceof CommitResponse r) {
      return b.setCommit(io.dialkv.proto.v1.peer.CommitResponse.newBuilder().setNodeId(r.nodeId()));
    } else if (response instanceof RangeDigestResponse r) {
      io.dialkv.proto.v1.peer.RangeDigestResponse.Builder d =
          io.dialkv.proto.v1.peer.RangeDigestResponse.newBuilder().setNodeId(r.nodeId());
      r.leaves().forEach((range, leaves) -> {
        RangeLeaves.Builder rl = RangeLeaves.newBuilder().setRange(range);
        for (long leaf : leaves) {
          rl.addLeaves(leaf);
        }
        d.addRanges(rl);
      });
      return b.setRangeDigest(d);
    } else if (response instanceof RangeRowsResponse r) {
      return b.setRangeRows(io.dialkv.proto.v1.peer.RangeRowsResponse.newBuilder()
          .setNodeId(r.nodeId())
          .addAllRows(ProtoCodec.toProto(r.rows()))
          .setMore(r.more())
          .setResumeAfter(r.resumeAfter()));
    } else if (response instanceof FetchRowsResponse r) {
      return b.setFetchRows(io.dialkv.proto.v1.peer.FetchRowsResponse.newBuilder()
          .setNodeId(r.nodeId())
          .addAllRows(ProtoCodec.toProto(r.rows()))
          .setMore(r.more())
          .setResumeAfter(r.resumeAfter())
          .setSourceBusy(r.sourceBusy()));
    } else if (response instanceof LinearizableResponse r) {
      var l = io.dialkv.proto.v1.peer.LinearizableResponse.newBuilder()
          .setNodeId(r.nodeId())
          .setOutcome(io.dialkv.proto.v1.peer.LinearizableResponse.Outcome.valueOf(r.outcome().name()))
          .setMessage(r.message())
          .setApplied(r.applied());
      if (r.before() != null) {
        l.setBefore(ProtoCodec.toProto(r.before()));
      }
      if (r.trace() != null) {
        l.setPaxos(ProtoCodec.toProto(r.trace()));
      }
      return b.setLinearizable(l);
    }
    throw new IllegalArgumentException("no encoding for " + response.getClass().getSimpleName());
  }

  private static LinearizableResponse decodeLinearizable(io.dialkv.proto.v1.peer.LinearizableResponse r) {
    LinearizableResponse.Outcome outcome = switch (r.getOutcome()) {
      case COMPLETED -> LinearizableResponse.Outcome.COMPLETED;
      case UNAVAILABLE -> LinearizableResponse.Outcome.UNAVAILABLE;
      case CONTENTION -> LinearizableResponse.Outcome.CONTENTION;
      case INDETERMINATE -> LinearizableResponse.Outcome.INDETERMINATE;
      case INVALID -> LinearizableResponse.Outcome.INVALID;
      default -> throw new InvalidRequestException("a linearizable operation's answer has no outcome");
    };
    if (outcome != LinearizableResponse.Outcome.COMPLETED) {
      // The message reaches the client: a peer's is bounded like any error text.
      String message = r.getMessage().length() > MAX_MESSAGE_CHARS
          ? r.getMessage().substring(0, MAX_MESSAGE_CHARS) + "…"
          : r.getMessage();
      return new LinearizableResponse(r.getNodeId(), outcome, message, null, false, null);
    }
    if (!r.hasBefore()) {
      throw new InvalidRequestException("a decided linearizable operation came without the row it found");
    }
    return new LinearizableResponse(r.getNodeId(), outcome, "", ProtoCodec.fromProto(r.getBefore()), r.getApplied(),
        ProtoCodec.fromProto(r.getPaxos(), r.hasPaxos()));
  }

  /**
   * The answer as the core takes it. A reply of another kind than its request's is malformed (a
   * peer's replies are checked like its requests).
   */
  public static PeerResponse decode(PeerEnvelope.BodyCase kind, PeerReply reply) {
    if (reply.getBodyCase().getNumber() != kind.getNumber()) {
      throw new InvalidRequestException("a " + kind + " request was answered with " + reply.getBodyCase());
    }
    switch (reply.getBodyCase()) {
      case WRITE, APPLY_ROWS -> {
        var r = reply.getBodyCase() == PeerReply.BodyCase.WRITE ? reply.getWrite() : reply.getApplyRows();
        return new ReplicaWriteResponse(r.getNodeId(),
            r.hasSupersededBy() ? ProtoCodec.fromProto(r.getSupersededBy()) : null);
      }
      case READ -> {
        return new ReplicaReadResponse(reply.getRead().getNodeId(), ProtoCodec.fromProto(reply.getRead().getRow()));
      }
      case HEARTBEAT -> {
        var r = reply.getHeartbeat();
        return new HeartbeatResponse(r.getNodeId(), ProtoCodec.fromProto(r.getClock()),
            r.getMembershipDigest(), ProtoCodec.fromProto(r.getMembersList()));
      }
      case PREPARE -> {
        var r = reply.getPrepare();
        Proposal committed = ProtoCodec.fromProto(r.getCommitted(), r.hasCommitted());
        return new PrepareResponse(r.getNodeId(), r.getPromised(), ProtoCodec.fromProto(r.getPromisedBallot()),
            ProtoCodec.accepted(r.getAcceptedIsCommitted(), committed, r.getAccepted(), r.hasAccepted()),
            committed,
            r.getPromised() && r.hasRow() ? ProtoCodec.fromProto(r.getRow()) : null);
      }
      case PROPOSE -> {
        var r = reply.getPropose();
        return new ProposeResponse(r.getNodeId(), r.getAccepted(), ProtoCodec.fromProto(r.getPromisedBallot()),
            r.getMayHaveAcceptedBefore(), r.getAccepted() && r.getCommitted());
      }
      case COMMIT -> {
        return new CommitResponse(reply.getCommit().getNodeId());
      }
      case RANGE_DIGEST -> {
        Map<Integer, long[]> leaves = new HashMap<>();
        for (RangeLeaves rl : reply.getRangeDigest().getRangesList()) {
          leaves.put(rl.getRange(), rl.getLeavesList().stream().mapToLong(Long::longValue).toArray());
        }
        return new RangeDigestResponse(reply.getRangeDigest().getNodeId(), leaves);
      }
      case RANGE_ROWS -> {
        var r = reply.getRangeRows();
        return new RangeRowsResponse(r.getNodeId(), ProtoCodec.rowsFromProto(r.getRowsList()), r.getMore(),
            r.getResumeAfter());
      }
      case FETCH_ROWS -> {
        var r = reply.getFetchRows();
        return new FetchRowsResponse(r.getNodeId(), ProtoCodec.rowsFromProto(r.getRowsList()), r.getMore(),
            r.getResumeAfter(), r.getSourceBusy());
      }
      case LINEARIZABLE -> {
        return decodeLinearizable(reply.getLinearizable());
      }
      default -> throw new InvalidRequestException("reply " + reply.getId() + " has no answer in it");
    }
  }
}
