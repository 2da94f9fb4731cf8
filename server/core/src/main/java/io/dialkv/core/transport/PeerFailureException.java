package io.dialkv.core.transport;

import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.time.ClockOffsetException;
import java.util.concurrent.CompletionException;

/**
 * A request to a peer got no reply: unreachable, timed out, or the peer failed to process it; or
 * the peer refused it ({@link #refused()}).
 */
public final class PeerFailureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why a peer refused a request. */
  public enum Refusal {
    /** The request breaks a limit or is malformed (a row over its size, a bad count). */
    INVALID,
    /** A timestamp or ballot in it is beyond the peer's clock bound: one of the two clocks is off. */
    CLOCK_OFFSET,
    /** The peer does not admit the sender (it is not, or no longer, a member). */
    NOT_ADMITTED
  }

  private final int nodeId;
  private final boolean mayHaveBeenDelivered;
  private final Refusal refusal;

  public PeerFailureException(int nodeId, String reason, boolean mayHaveBeenDelivered) {
    this(nodeId, reason, mayHaveBeenDelivered, null);
  }

  private PeerFailureException(int nodeId, String reason, boolean mayHaveBeenDelivered, Refusal refusal) {
    super("n" + nodeId + ": " + reason, null, false, false);
    this.nodeId = nodeId;
    this.mayHaveBeenDelivered = mayHaveBeenDelivered;
    this.refusal = refusal;
  }

  /**
   * The peer answered that it will not do this (an invalid request, a timestamp beyond the clock
   * bound, a row over its limit, a caller it does not admit): it did nothing, and sending the same
   * request again cannot succeed.
   */
  public static PeerFailureException refusal(int nodeId, Refusal why, String reason) {
    return new PeerFailureException(nodeId, "refused: " + reason, false, why);
  }

  /**
   * What a failed request to {@code node} amounts to, whatever wrapped it: a handler's refusal
   * ({@link InvalidRequestException}, {@link ClockOffsetException}) is a {@link #refusal}, anything
   * else a failure after which the request may have been processed.
   */
  public static PeerFailureException of(int node, Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
    if (cause instanceof PeerFailureException peer) {
      return peer;
    }
    if (cause instanceof InvalidRequestException) {
      return refusal(node, Refusal.INVALID, cause.getMessage());
    }
    if (cause instanceof ClockOffsetException) {
      return refusal(node, Refusal.CLOCK_OFFSET, cause.getMessage());
    }
    return new PeerFailureException(node, String.valueOf(cause.getMessage()), true);
  }

  public int nodeId() {
    return nodeId;
  }

  /** False only when the request certainly had no effect (never reached the peer, or refused). */
  public boolean mayHaveBeenDelivered() {
    return mayHaveBeenDelivered;
  }

  /** Whether the peer refused the request (see {@link #refusal}). */
  public boolean refused() {
    return refusal != null;
  }

  /** Why the peer refused the request; null if it did not. */
  public Refusal refusal() {
    return refusal;
  }

  /** The peer's reason, without the node prefix. */
  public String reason() {
    String m = getMessage();
    int colon = m.indexOf(": ");
    return colon < 0 ? m : m.substring(colon + 2);
  }
}
