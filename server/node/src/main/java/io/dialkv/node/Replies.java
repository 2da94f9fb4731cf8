package io.dialkv.node;

import io.dialkv.core.admission.OverloadedException;
import io.dialkv.core.coordinator.ReadFailedException;
import io.dialkv.core.node.FailureKind;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
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
    Throwable t = FailureKind.unwrap(failure);
    if (t instanceof StatusRuntimeException sre) {
      return sre;
    }
    FailureKind kind = FailureKind.of(t).orElse(null);
    if (kind == null) {
      // A bug, not the caller's fault: worth a stack trace, but not one per request of a flood.
      limited.warn("internal-" + t.getClass().getName(), "request failed unexpectedly: {}", t.toString(), t);
      return status(Status.INTERNAL, "internal", "internal error: " + t);
    }
    return switch (kind) {
      case INVALID_ARGUMENT -> status(Status.INVALID_ARGUMENT, kind.wireName(), t.getMessage());
      case OVERLOADED -> {
        Metadata trailers = new Metadata();
        trailers.put(ERROR_KIND, kind.wireName());
        trailers.put(RETRY_AFTER_MS, String.valueOf(((OverloadedException) t).retryAfter().toMillis()));
        yield Status.RESOURCE_EXHAUSTED.withDescription(t.getMessage()).asRuntimeException(trailers);
      }
      case CLOCK_OFFSET, REFUSED -> status(Status.FAILED_PRECONDITION, kind.wireName(), t.getMessage());
      case UNAVAILABLE -> status(Status.UNAVAILABLE, kind.wireName(), t.getMessage());
      case INDETERMINATE -> status(Status.DEADLINE_EXCEEDED, kind.wireName(), t.getMessage());
      case READ_FAILED -> status(((ReadFailedException) t).timedOut() ? Status.DEADLINE_EXCEEDED : Status.UNAVAILABLE,
          kind.wireName(), t.getMessage());
      case CONTENTION -> status(Status.ABORTED, kind.wireName(), t.getMessage());
      case SHUTTING_DOWN -> status(Status.UNAVAILABLE, kind.wireName(), "node is shutting down; try another node");
    };
  }

  /**
   * How a failed request is counted: the kind its {@code dialkv-error} trailer names, the status
   * code (as a word) for a status raised as such, or "internal". A short word from a fixed set.
   */
  static String outcome(Throwable failure) {
    Throwable t = FailureKind.unwrap(failure);
    if (t instanceof StatusRuntimeException sre) {
      return sre.getStatus().getCode().name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
    return FailureKind.of(t).map(FailureKind::wireName).orElse("internal");
  }

  private static StatusRuntimeException status(Status status, String kind, String message) {
    Metadata trailers = new Metadata();
    trailers.put(ERROR_KIND, kind);
    return status.withDescription(message).asRuntimeException(trailers);
  }
}
