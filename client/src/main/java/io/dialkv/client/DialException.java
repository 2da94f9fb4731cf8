package io.dialkv.client;

import io.grpc.Status;

/**
 * A request that did not succeed, with what kind of failure it was, so that callers can decide
 * whether to retry. Thrown by {@link DialClient}'s blocking calls and used to fail its futures.
 */
public final class DialException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** The request is wrong (key too long, unknown field); retrying cannot help. */
    INVALID_ARGUMENT,
    /** Too few replicas were alive; nothing was done, a retry may succeed later. */
    UNAVAILABLE,
    /** No endpoint could be reached. */
    NO_ENDPOINT,
    /** A write may or may not have been applied: treat the outcome as unknown, never as failed. */
    INDETERMINATE,
    /** Too few replicas answered a read in time. */
    READ_FAILED,
    /** A linearizable operation gave up under competing proposers; nothing was applied. */
    CONTENTION,
    /**
     * The cluster refused a membership change (join, decommission, removal) in its present state,
     * for the reason given; nothing changed.
     */
    REFUSED,
    /**
     * The cluster is overloaded: a node refused the request at admission, or this client held it
     * back because the nodes it could go to were refusing most requests. Nothing was done; retry
     * after a pause (with back-off), not at once.
     */
    OVERLOADED,
    /** The client's own deadline passed; for a write, the outcome is unknown. */
    DEADLINE,
    /**
     * The node did not let the caller do it: no credential, an unknown token
     * ({@code UNAUTHENTICATED}), or a role that does not allow it ({@code PERMISSION_DENIED}).
     * Nothing was done.
     */
    DENIED,
    /** Anything else. */
    OTHER;

    /**
     * The kind a node names in its {@code dialkv-error} trailer (e.g. {@code unavailable}), or
     * {@link #OTHER} for a name this client does not know.
     */
    public static Kind fromWireName(String name) {
      return switch (name) {
        case "invalid-argument" -> INVALID_ARGUMENT;
        case "unavailable" -> UNAVAILABLE;
        case "indeterminate" -> INDETERMINATE;
        case "read-failed" -> READ_FAILED;
        case "contention" -> CONTENTION;
        case "refused" -> REFUSED;
        case "overloaded" -> OVERLOADED;
        default -> OTHER;
      };
    }
  }

  private final Kind kind;
  private final Status.Code code;

  public DialException(Kind kind, Status.Code code, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
    this.code = code;
  }

  public Kind kind() {
    return kind;
  }

  /** The gRPC status code the failure arrived with. */
  public Status.Code code() {
    return code;
  }
}
