package io.dialkv.client.balancer;

import io.grpc.Metadata;
import io.grpc.Status;

/**
 * How a failed call is read, the same way by the Java client, its balancer and the standalone
 * proxy. Every error a node answers carries a {@code dialkv-error} trailer naming its kind
 * (invalid-argument, unavailable, indeterminate, read-failed, contention, shutting-down,
 * overloaded, internal);
 * a failure without one did not come from a node's answer but from the connection.
 */
public final class CallFailure {
  /** The trailer in which nodes name the kind of an error. */
  public static final Metadata.Key<String> KIND =
      Metadata.Key.of("dialkv-error", Metadata.ASCII_STRING_MARSHALLER);

  private static final String SHUTTING_DOWN = "shutting-down";
  private static final String OVERLOADED = "overloaded";

  /** With an overload refusal: in how many milliseconds the node expects to have room again. */
  public static final Metadata.Key<String> RETRY_AFTER_MS =
      Metadata.Key.of("dialkv-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);

  private CallFailure() {}

  /** The error kind a node attached, or null. */
  public static String kind(Metadata trailers) {
    return trailers == null ? null : trailers.get(KIND);
  }

  /** The error kind a node attached to a failed call, or null. */
  public static String kind(Throwable failure) {
    return kind(Status.trailersFromThrowable(failure));
  }

  /**
   * The connection failed rather than the cluster answering: UNAVAILABLE or UNKNOWN without a
   * trailer (none reachable, or broken during the call — gRPC reports a connection closed under a
   * call as UNKNOWN "channel closed"), or a node refusing the call because it is shutting down.
   */
  public static boolean brokenConnection(Status.Code code, String kind) {
    return (code == Status.Code.UNAVAILABLE || code == Status.Code.UNKNOWN)
        && (kind == null || refusedByNode(kind));
  }

  /**
   * The node refused the call at admission, before doing anything, because it was at its limit
   * or the call's deadline could not be met: safe to send again, write or not.
   */
  public static boolean overloaded(String kind) {
    return OVERLOADED.equals(kind);
  }

  /** The node refused the call while shutting down: it did not process it. */
  public static boolean refusedByNode(String kind) {
    return SHUTTING_DOWN.equals(kind);
  }

  /**
   * The call was given a node but its headers never reached the node's connection, and it did not
   * end by the caller's own deadline or cancellation: it failed in this process, whatever its status
   * says, so repeating it on another node is safe, write or not.
   */
  public static boolean failedBeforeSending(Route route, Status.Code code) {
    return route.chosen() != null
        && !route.sent()
        && code != Status.Code.DEADLINE_EXCEEDED
        && code != Status.Code.CANCELLED;
  }
}
