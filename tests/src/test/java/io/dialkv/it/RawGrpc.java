package io.dialkv.it;

import com.google.protobuf.MessageLite;
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
}
