package io.dialkv.checker.edn;

/** The text is not valid EDN; the message says where. */
public final class EdnParseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EdnParseException(String message) {
    super(message);
  }
}
