package io.dialkv.node;

import io.dialkv.core.admission.OverloadedException;
import io.dialkv.core.coordinator.ContentionException;
import io.dialkv.core.coordinator.IndeterminateWriteException;
import io.dialkv.core.coordinator.ReadFailedException;
import io.dialkv.core.coordinator.ReplicasRefusedException;
import io.dialkv.core.coordinator.UnavailableException;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.membership.MembershipChangeRefusedException;
import io.dialkv.core.time.ClockOffsetException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a core future's outcome back as a gRPC reply, mapping core errors to status codes a client
 * can act on. Each status carries a {@code dialkv-error} trailer naming the kind of failure, so a
 * client can tell "the cluster lacks replicas" from "this endpoint is unreachable".
 */
final class Replies {
  /**
   * Trailer naming the failure: invalid-argument, unavailable, indeterminate, read-failed,
   * contention, shutting-down, refused, clock-offset, overloaded, unauthenticated,
   * permission-denied.
   */
  static final Metadata.Key<String> ERROR_KIND =
      Metadata.Key.of("dialkv-error", Metadata.ASCII_STRING_MARSHALLER);

  /** With an overloaded refusal: in how many milliseconds the node expects to have room again. */
  static final Metadata.Key<String> RETRY_AFTER_MS =
      Metadata.Key.of("dialkv-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

  private static final Logger log = LoggerFactory.getLogger(Replies.class);
  private static final RateLimitedLog limited = new RateLimitedLog(log, 10, TimeUnit.SECONDS);

  private Replies() {}

  static <T, P> void relay(
      CompletableFuture<T> future, Function<T, P> convert, StreamObserver<P> observer) {
    future.whenComplete(
        (value, failure) -> {
          if (failure != null) {
            observer.onError(toStatus(failure));
            return;
          }
          P reply;
          try {
            reply = convert.apply(value);
          } catch (RuntimeException e) {
            observer.onError(toStatus(e));
            return;
          }
          observer.onNext(reply);
          observer.onCompleted();
        });
  }

  /** Runs a handler, turning anything it throws (bad input, mostly) into a status. */
  static <P> void guard(StreamObserver<P> observer, Runnable handler) {
    try {
      handler.run();
    } catch (RuntimeException e) {
      observer.onError(toStatus(e));
    }
  }

  static StatusRuntimeException toStatus(Throwable failure) {
    Throwable t = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
    if (t instanceof InvalidRequestException) {
      return status(Status.INVALID_ARGUMENT, "invalid-argument", t.getMessage());
    }
    if (t instanceof OverloadedException overloaded) {
      Metadata trailers = new Metadata();
      trailers.put(ERROR_KIND, "overloaded");
      trailers.put(RETRY_AFTER_MS, String.valueOf(overloaded.retryAfter().toMillis()));
      return Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage()).asRuntimeException(trailers);
    }
    if (t instanceof ClockOffsetException) {
      return status(Status.FAILED_PRECONDITION, "clock-offset", t.getMessage());
    }
    if (t instanceof ReplicasRefusedException) {
      return status(Status.UNAVAILABLE, "unavailable", t.getMessage());
    }
    if (t instanceof MembershipChangeRefusedException) {
      return status(Status.FAILED_PRECONDITION, "refused", t.getMessage());
    }
    if (t instanceof UnavailableException) {
      return status(Status.UNAVAILABLE, "unavailable", t.getMessage());
    }
    if (t instanceof IndeterminateWriteException) {
      return status(Status.DEADLINE_EXCEEDED, "indeterminate", t.getMessage());
    }
    if (t instanceof ReadFailedException read) {
      return status(
          read.timedOut() ? Status.DEADLINE_EXCEEDED : Status.UNAVAILABLE, "read-failed", t.getMessage());
    }
    if (t instanceof ContentionException) {
      return status(Status.ABORTED, "contention", t.getMessage());
    }
    if (t instanceof RejectedExecutionException) {
      return status(Status.UNAVAILABLE, "shutting-down", "node is shutting down; try another node");
    }
    if (t instanceof StatusRuntimeException sre) {
      return sre;
    }
    // A bug, not the caller's fault: worth a stack trace, but not one per request of a flood.
    limited.warn("internal-" + t.getClass().getName(), "request failed unexpectedly: {}", t.toString(), t);
    return status(Status.INTERNAL, "internal", "internal error: " + t);
  }

  private static StatusRuntimeException status(Status status, String kind, String message) {
    Metadata trailers = new Metadata();
    trailers.put(ERROR_KIND, kind);
    return status.withDescription(message).asRuntimeException(trailers);
  }
}
