package io.dialkv.core.time;

/**
 * A timestamp or ballot from further in the future than the cluster's maximum clock offset: a peer
 * whose clock is wrong, or a forged message. It is refused, and never adopted by the hybrid clock,
 * so one bad clock cannot drag every node's timestamps along with it.
 */
public final class ClockOffsetException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ClockOffsetException(String message) {
    super(message, null, false, false);
  }
}
