package io.dialkv.core.coordinator;

/** Too few replicas answered a read in time (they timed out, failed or were unreachable). */
public final class ReadFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean timedOut;

  public ReadFailedException(String message, boolean timedOut) {
    super(message, null, false, false);
    this.timedOut = timedOut;
  }

  /** Whether the deadline passed (rather than every remaining replica failing outright). */
  public boolean timedOut() {
    return timedOut;
  }
}
