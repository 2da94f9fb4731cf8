package io.dialkv.node.access;

import io.dialkv.node.RateLimitedLog;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import java.net.SocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Refusing a call before it reaches a service: the status, its kind trailer, one log line a while. */
final class Denials {
  private static final Logger log = LoggerFactory.getLogger(Denials.class);
  private static final RateLimitedLog limited = new RateLimitedLog(log, 10, TimeUnit.SECONDS);
  /** The trailer naming the kind of failure, as every dialkv error carries it. */
  static final Metadata.Key<String> ERROR_KIND = Metadata.Key.of("dialkv-error", Metadata.ASCII_STRING_MARSHALLER);

  private Denials() {}

  static <Q, R> ServerCall.Listener<Q> deny(ServerCall<Q, R> call, Status status, String message, String port) {
    Metadata trailers = new Metadata();
    trailers.put(ERROR_KIND, status.getCode() == Status.Code.UNAUTHENTICATED ? "unauthenticated" : "permission-denied");
    SocketAddress from = call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    limited.warn("denied-" + port, "{} port: refused {} from {}: {}", port,
        call.getMethodDescriptor().getFullMethodName(), from, message);
    call.close(status.withDescription(message), trailers);
    return new ServerCall.Listener<>() {};
  }

  /** "Put" of "dialkv.v1.DialKv/Put". */
  static String shortName(String fullMethodName) {
    return fullMethodName.substring(fullMethodName.indexOf('/') + 1);
  }
}
