package io.dialkv.checker.edn;

/** An EDN keyword such as {@code :invoke}, held without its colon. */
public record Keyword(String name) {
  public static Keyword of(String name) {
    return new Keyword(name);
  }

  @Override
  public String toString() {
    return ":" + name;
  }
}
