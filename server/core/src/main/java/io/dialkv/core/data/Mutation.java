package io.dialkv.core.data;

import io.dialkv.core.time.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A change to one row, not yet stamped: the coordinator gives it a timestamp when it accepts the
 * write, so every cell of one request carries the same timestamp.
 *
 * @param set cells to write, by name
 * @param unset cells to remove (written as tombstones)
 * @param replaceRow whether the row's other cells are removed too (a row deletion at the same
 *     timestamp, which spares the cells written with it)
 */
public record Mutation(Map<String, byte[]> set, List<String> unset, boolean replaceRow) {

  /** The only cell of a plain key-value row. */
  public static final String VALUE_CELL = "value";

  public Mutation {
    set = Map.copyOf(set);
    unset = List.copyOf(unset);
  }

  public static Mutation put(byte[] value) {
    return new Mutation(Map.of(VALUE_CELL, value), List.of(), false);
  }

  public static Mutation deleteRow() {
    return new Mutation(Map.of(), List.of(), true);
  }

  public static Mutation replaceRow(Map<String, byte[]> cells) {
    return new Mutation(cells, List.of(), true);
  }

  public static Mutation update(Map<String, byte[]> set, List<String> unset) {
    return new Mutation(set, unset, false);
  }

  /** The row this mutation writes when stamped with {@code timestamp}. */
  public Row at(Timestamp timestamp) {
    Map<String, Cell> cells = new LinkedHashMap<>();
    unset.forEach(name -> cells.put(name, Cell.tombstone(timestamp)));
    set.forEach((name, value) -> cells.put(name, Cell.live(value, timestamp)));
    return Row.of(cells, replaceRow ? timestamp : null);
  }

  /** Total bytes of the values written, for the value size limit. */
  public long sizeBytes() {
    long size = 0;
    for (byte[] value : set.values()) {
      size += value.length;
    }
    return size;
  }
}
