package io.dialkv.node;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * No error message longer than a kilobyte leaves the node. Messages quote what a request named
 * (a service, a field), and a message built from a 20,000-character name would not fit in the
 * caller's trailers: it would get a transport error instead of the status.
 */
final class BoundedErrors implements ServerInterceptor {
  static final int MAX_DESCRIPTION = 1024;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        String d = status.getDescription();
        super.close(d == null || d.length() <= MAX_DESCRIPTION ? status
            : status.withDescription(d.substring(0, MAX_DESCRIPTION) + "… (" + d.length() + " characters)"), trailers);
      }
    }, headers);
  }
}
