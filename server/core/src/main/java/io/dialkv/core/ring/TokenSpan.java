package io.dialkv.core.ring;

/**
 * The tokens after {@code start} up to and including {@code end}, wrapping around the ring when
 * {@code end <= start} (so {@code start == end} is the whole ring). Ranges move between nodes in
 * spans.
 */
public record TokenSpan(long start, long end) {

  public boolean contains(long token) {
    if (start < end) {
      return token > start && token <= end;
    }
    return token > start || token <= end;
  }

  /** Whether the key's token lies in the span. */
  public boolean containsKey(String key) {
    return contains(TokenRing.tokenOf(key));
  }
}
