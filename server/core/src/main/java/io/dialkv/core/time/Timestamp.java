package io.dialkv.core.time;

import java.util.Comparator;

/**
 * A hybrid logical clock timestamp: physical milliseconds, a logical counter for events within the
 * same millisecond, and the issuing node's id so that timestamps from two nodes never tie.
 */
public record Timestamp(long physicalMillis, int logical, int nodeId) implements Comparable<Timestamp> {

  /** Older than every timestamp a clock issues. */
  public static final Timestamp ZERO = new Timestamp(0, 0, 0);

  private static final Comparator<Timestamp> ORDER =
      Comparator.comparingLong(Timestamp::physicalMillis)
          .thenComparingInt(Timestamp::logical)
          .thenComparingInt(Timestamp::nodeId);

  @Override
  public int compareTo(Timestamp other) {
    return ORDER.compare(this, other);
  }

  public boolean isAfter(Timestamp other) {
    return compareTo(other) > 0;
  }

  public boolean isBefore(Timestamp other) {
    return compareTo(other) < 0;
  }

  public static Timestamp max(Timestamp a, Timestamp b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.compareTo(b) >= 0 ? a : b;
  }

  @Override
  public String toString() {
    return physicalMillis + "." + logical + "@n" + nodeId;
  }
}
