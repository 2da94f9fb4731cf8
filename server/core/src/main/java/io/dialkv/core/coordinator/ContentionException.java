package io.dialkv.core.coordinator;

/**
 * A linearizable operation gave up after too many competing ballots, without having proposed its
 * own value: it certainly had no effect and may be retried.
 */
public final class ContentionException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ContentionException(String message) {
    super(message, null, false, false);
  }
}
