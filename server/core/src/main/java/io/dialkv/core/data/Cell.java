package io.dialkv.core.data;

import io.dialkv.core.time.Timestamp;
import java.util.Arrays;
import java.util.Objects;

/**
 * One field of a row with its own timestamp, or a tombstone recording that the field was removed.
 * Immutable; the value array is never modified after construction.
 */
public final class Cell {
  private static final byte[] NO_VALUE = new byte[0];

  private final byte[] value;
  private final Timestamp timestamp;
  private final boolean tombstone;

  private Cell(byte[] value, Timestamp timestamp, boolean tombstone) {
    this.value = value;
    this.timestamp = Objects.requireNonNull(timestamp, "timestamp");
    this.tombstone = tombstone;
  }

  public static Cell live(byte[] value, Timestamp timestamp) {
    return new Cell(value.clone(), timestamp, false);
  }

  public static Cell tombstone(Timestamp timestamp) {
    return new Cell(NO_VALUE, timestamp, true);
  }

  /** The value; empty for a tombstone. Returns a copy so the cell stays immutable. */
  public byte[] value() {
    return value.clone();
  }

  /** The value without copying; callers must not modify it. */
  public byte[] valueUnsafe() {
    return value;
  }

  public Timestamp timestamp() {
    return timestamp;
  }

  public boolean isTombstone() {
    return tombstone;
  }

  /**
   * Last-write-wins: the later timestamp wins. Two different cells with the same timestamp can only
   * come from a replayed write or a bug, but the choice must still be the same on every replica, so
   * a tombstone beats a value and otherwise the larger value wins (as Cassandra does).
   */
  public static Cell newer(Cell a, Cell b) {
    int byTime = a.timestamp.compareTo(b.timestamp);
    if (byTime != 0) {
      return byTime > 0 ? a : b;
    }
    if (a.tombstone != b.tombstone) {
      return a.tombstone ? a : b;
    }
    return Arrays.compareUnsigned(a.value, b.value) >= 0 ? a : b;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cell c
        && tombstone == c.tombstone
        && timestamp.equals(c.timestamp)
        && Arrays.equals(value, c.value);
  }

  @Override
  public int hashCode() {
    return Objects.hash(timestamp, tombstone, Arrays.hashCode(value));
  }

  @Override
  public String toString() {
    return tombstone ? "tombstone@" + timestamp : value.length + "B@" + timestamp;
  }
}
