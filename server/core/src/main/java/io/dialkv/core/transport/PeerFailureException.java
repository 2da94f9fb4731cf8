package io.dialkv.core.transport;

/** A request to a peer got no reply: unreachable, timed out, or the peer failed to process it. */
public final class PeerFailureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int nodeId;
  private final boolean mayHaveBeenDelivered;

  public PeerFailureException(int nodeId, String reason, boolean mayHaveBeenDelivered) {
    super("n" + nodeId + ": " + reason, null, false, false);
    this.nodeId = nodeId;
    this.mayHaveBeenDelivered = mayHaveBeenDelivered;
  }

  public int nodeId() {
    return nodeId;
  }

  /** False only when the request certainly never reached the peer (e.g. connection refused). */
  public boolean mayHaveBeenDelivered() {
    return mayHaveBeenDelivered;
  }
}
