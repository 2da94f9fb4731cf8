package io.dialkv.core.coordinator;

/**
 * A write was sent but too few replicas acknowledged it in time. It may have been applied on some
 * replicas and may yet become visible: clients must treat the outcome as unknown, not as failed.
 */
public final class IndeterminateWriteException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IndeterminateWriteException(String message) {
    super(message, null, false, false);
  }
}
