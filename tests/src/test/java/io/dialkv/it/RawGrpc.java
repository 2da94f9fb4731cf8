package io.dialkv.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import io.dialkv.proto.v1.peer.PeerBatch;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerReplies;
import io.dialkv.proto.v1.peer.PeerReply;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.dialkv.proto.RawBytes;
import io.dialkv.security.Tls;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Calls as an outsider makes them: any method name, any bytes, over a channel with whatever
 * credentials the attacker has, and no dialkv client code in between.
 */
final class RawGrpc {
  private RawGrpc() {}

  static ManagedChannel plaintext(String endpoint) {
    return channel(endpoint, InsecureChannelCredentials.create());
  }

  /** TLS as node {@code node} (its certificate folder), expecting whichever node answers. */
  static ManagedChannel asNode(String endpoint, java.nio.file.Path certsDir, int node) {
    return channel(endpoint, Tls.forNode(certsDir, node).peerChannel(0));
  }

  static ManagedChannel channel(String endpoint, ChannelCredentials credentials) {
    return NettyChannelBuilder.forTarget(endpoint, credentials).maxInboundMessageSize(16 << 20).build();
  }

  /** The status a unary call of {@code fullMethod} with these request bytes ends with. */
  static Status call(ManagedChannel channel, String fullMethod, byte[] request) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.newBuilder(RawBytes.MARSHALLER, RawBytes.MARSHALLER)
        .setFullMethodName(fullMethod)
        .setType(MethodDescriptor.MethodType.UNARY)
        .build();
    try {
      ClientCalls.blockingUnaryCall(channel, method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
          request);
      return Status.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus();
    }
  }

  static Status call(ManagedChannel channel, String fullMethod, MessageLite request) {
    return call(channel, fullMethod, request.toByteArray());
  }

  /**
   * The status of one peer request of {@code kind} ({@code Write}, {@code Heartbeat}, ...) with
   * these body bytes, sent as the one message of a new {@code Exchange} stream (the way a node sends
   * them, in a batch of one): the error its reply carries, OK for an answer, or how the stream itself ended.
   * {@code ClusterInfo}, a unary call, is simply called.
   */
  static Status peer(ManagedChannel channel, String kind, byte[] body) {
    if (kind.equals("ClusterInfo")) {
      return call(channel, PEER + kind, body);
    }
    String field = kind.replaceAll("([a-z])([A-Z])", "$1_$2").toLowerCase(java.util.Locale.ROOT);
    Descriptors.FieldDescriptor f = PeerEnvelope.getDescriptor().findFieldByName(field);
    if (f == null) {
      throw new IllegalArgumentException("no peer request " + kind);
    }
    // The envelope and its batch written by hand, so that the body can be any bytes at all.
    ByteString.Output envelope = ByteString.newOutput();
    ByteString.Output out = ByteString.newOutput();
    try {
      CodedOutputStream coded = CodedOutputStream.newInstance(envelope);
      coded.writeUInt64(PeerEnvelope.ID_FIELD_NUMBER, 7);
      coded.writeByteArray(f.getNumber(), body);
      coded.flush();
      CodedOutputStream batch = CodedOutputStream.newInstance(out);
      batch.writeBytes(PeerBatch.REQUESTS_FIELD_NUMBER, envelope.toByteString());
      batch.flush();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return exchange(channel, out.toByteString().toByteArray());
  }

  /**
   * Sends these bytes as the one message of a new {@code Exchange} stream: the status of the first
   * answer in what comes back (its error, or OK), or how the stream ended.
   */
  static Status exchange(ManagedChannel channel, byte[] batch) {
    MethodDescriptor<byte[], byte[]> method = MethodDescriptor.newBuilder(RawBytes.MARSHALLER, RawBytes.MARSHALLER)
        .setFullMethodName(PEER + "Exchange")
        .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
        .build();
    CompletableFuture<Status> outcome = new CompletableFuture<>();
    CompletableFuture<Status> closed = new CompletableFuture<>();
    ClientCall<byte[], byte[]> call =
        channel.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
    call.start(new ClientCall.Listener<>() {
      @Override
      public void onMessage(byte[] message) {
        try {
          PeerReply reply = PeerReplies.parseFrom(message).getReplies(0);
          outcome.complete(reply.hasError()
              ? Status.fromCodeValue(reply.getError().getCode()).withDescription(reply.getError().getMessage())
              : Status.OK);
        } catch (InvalidProtocolBufferException e) {
          outcome.complete(Status.DATA_LOSS.withDescription("unreadable reply: " + e.getMessage()));
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        closed.complete(status);
        outcome.complete(status.isOk() ? Status.UNKNOWN.withDescription("stream ended unanswered") : status);
      }
    }, new Metadata());
    call.request(1);
    call.sendMessage(batch);
    // Half-closed, the node answers and ends the stream itself: no reset per stream (a flood of
    // resets would trip the node's rapid-reset guard and end the connection).
    call.halfClose();
    try {
      Status status = outcome.get(15, TimeUnit.SECONDS);
      closed.get(5, TimeUnit.SECONDS);
      return status;
    } catch (java.util.concurrent.TimeoutException e) {
      return Status.DEADLINE_EXCEEDED.withDescription("no answer on the stream within 15 s");
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    } finally {
      if (!closed.isDone()) {
        call.cancel("done", null);
      }
    }
  }

  static Status peer(ManagedChannel channel, String kind, MessageLite body) {
    return peer(channel, kind, body.toByteArray());
  }

  private static final String PEER = "dialkv.v1.peer.Peer/";
}
