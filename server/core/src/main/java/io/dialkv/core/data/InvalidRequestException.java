package io.dialkv.core.data;

/** The request itself is wrong (a key too long, an unknown field); retrying it cannot succeed. */
public final class InvalidRequestException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InvalidRequestException(String message) {
    super(message, null, false, false);
  }
}
