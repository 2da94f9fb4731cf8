package io.dialkv.checker.edn;

/** An EDN symbol (a bare word that is not nil, true, false or a number). */
public record Symbol(String name) {
  @Override
  public String toString() {
    return name;
  }
}
