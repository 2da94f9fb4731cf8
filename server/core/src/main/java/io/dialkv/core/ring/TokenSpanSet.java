package io.dialkv.core.ring;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of token spans that answers "is this token in any of them" in O(log n), so that checking
 * every row of a scan against many spans costs little whatever the number of spans.
 */
public final class TokenSpanSet {
  // Disjoint inclusive intervals [low, high], by low.
  private final TreeMap<Long, Long> intervals = new TreeMap<>();

  public TokenSpanSet(Collection<TokenSpan> spans) {
    List<long[]> all = new ArrayList<>();
    for (TokenSpan s : spans) {
      if (s.start() < s.end()) {
        all.add(new long[] {s.start() + 1, s.end()});
      } else {
        // Wraps: (start, MAX] and [MIN, end]; start == end is the whole ring.
        if (s.start() < Long.MAX_VALUE) {
          all.add(new long[] {s.start() + 1, Long.MAX_VALUE});
        }
        all.add(new long[] {Long.MIN_VALUE, s.end()});
      }
    }
    all.sort((a, b) -> Long.compare(a[0], b[0]));
    long[] current = null;
    for (long[] i : all) {
      if (current != null && (current[1] == Long.MAX_VALUE || i[0] <= current[1] + 1)) {
        current[1] = Math.max(current[1], i[1]);
      } else {
        if (current != null) {
          intervals.put(current[0], current[1]);
        }
        current = i.clone();
      }
    }
    if (current != null) {
      intervals.put(current[0], current[1]);
    }
  }

  public boolean contains(long token) {
    Map.Entry<Long, Long> e = intervals.floorEntry(token);
    return e != null && token <= e.getValue();
  }

  public boolean containsKey(String key) {
    return contains(TokenRing.tokenOf(key));
  }
}
