package io.dialkv.core.admission;

import java.time.Duration;

/**
 * A node refused a request at admission, before doing any of its work: it was at its limit of
 * requests in flight, or the request's deadline could no longer be met. Nothing was applied, so
 * the request may be sent again, to this node after {@link #retryAfter()} or to another at once.
 */
public final class OverloadedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient Duration retryAfter;

  public OverloadedException(String message, Duration retryAfter) {
    super(message, null, false, false); // refused by the thousand under a surge: no stack trace
    this.retryAfter = retryAfter;
  }

  /** When this node expects to have room again. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
