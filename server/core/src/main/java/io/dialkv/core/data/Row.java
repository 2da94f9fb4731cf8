package io.dialkv.core.data;

import io.dialkv.core.time.Timestamp;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A row: named cells, each with its own timestamp, plus an optional row deletion. A row deletion
 * removes every cell written strictly before it. Merging is per cell and last-write-wins, so
 * replicas that applied the same writes in any order hold equal rows (merge is commutative,
 * associative and idempotent) and concurrent updates of different fields all survive.
 *
 * <p>Immutable.
 */
public final class Row {
  public static final Row EMPTY = new Row(null, new TreeMap<>());

  private final Timestamp deletedAt;
  private final SortedMap<String, Cell> cells;

  private Row(Timestamp deletedAt, SortedMap<String, Cell> cells) {
    this.deletedAt = deletedAt;
    this.cells = Collections.unmodifiableSortedMap(cells);
  }

  /** A row of the given cells and deletion (null for none); cells older than it are dropped. */
  public static Row of(Map<String, Cell> cells, Timestamp deletedAt) {
    TreeMap<String, Cell> kept = new TreeMap<>();
    cells.forEach(
        (name, cell) -> {
          if (deletedAt == null || !cell.timestamp().isBefore(deletedAt)) {
            kept.put(name, cell);
          }
        });
    return new Row(deletedAt, kept);
  }

  public static Row of(Map<String, Cell> cells) {
    return of(cells, null);
  }

  /** When the whole row was last deleted, or null. */
  public Timestamp deletedAt() {
    return deletedAt;
  }

  /** Every cell, tombstones included, by name. */
  public SortedMap<String, Cell> cells() {
    return cells;
  }

  /** The cells that hold a value, by name. */
  public SortedMap<String, Cell> liveCells() {
    TreeMap<String, Cell> live = new TreeMap<>();
    cells.forEach(
        (name, cell) -> {
          if (!cell.isTombstone()) {
            live.put(name, cell);
          }
        });
    return live;
  }

  public boolean hasLiveCells() {
    for (Cell cell : cells.values()) {
      if (!cell.isTombstone()) {
        return true;
      }
    }
    return false;
  }

  public boolean isEmpty() {
    return deletedAt == null && cells.isEmpty();
  }

  /**
   * Roughly how many bytes the row takes on the wire under this key, never less than it: what the
   * row size limit and transfer accounting count (a cell's timestamp and framing are at most 32
   * bytes).
   */
  public long approximateBytes(String key) {
    long bytes = key.length() * 3L + 32;
    for (Map.Entry<String, Cell> e : cells.entrySet()) {
      bytes += e.getKey().length() * 3L + 32 + (e.getValue().isTombstone() ? 0 : e.getValue().valueUnsafe().length);
    }
    return bytes;
  }

  /** The newest timestamp anywhere in the row (cells or deletion), or null for an empty row. */
  public Timestamp newestTimestamp() {
    Timestamp newest = deletedAt;
    for (Cell cell : cells.values()) {
      newest = Timestamp.max(newest, cell.timestamp());
    }
    return newest;
  }

  /** The union of both rows with last-write-wins per cell and the later row deletion. */
  public Row merge(Row other) {
    if (other.isEmpty()) {
      return this;
    }
    if (this.isEmpty()) {
      return other;
    }
    Timestamp deletion = Timestamp.max(deletedAt, other.deletedAt);
    TreeMap<String, Cell> merged = new TreeMap<>(cells);
    other.cells.forEach((name, cell) -> merged.merge(name, cell, Cell::newer));
    return of(merged, deletion);
  }

  /**
   * What this row has that {@code older} lacks: the smallest mutation that brings {@code older} up
   * to {@code this} when merged into it. Used by read repair to send only what a replica missed.
   */
  public Row missingFrom(Row older) {
    Timestamp deletion =
        deletedAt != null && (older.deletedAt == null || deletedAt.isAfter(older.deletedAt))
            ? deletedAt
            : null;
    TreeMap<String, Cell> missing = new TreeMap<>();
    cells.forEach(
        (name, cell) -> {
          Cell theirs = older.cells.get(name);
          if (theirs == null || !theirs.equals(cell) && Cell.newer(cell, theirs) == cell) {
            missing.put(name, cell);
          }
        });
    return new Row(deletion, missing);
  }

  /**
   * This row without the deletion markers older than {@code cutoff}: tombstone cells and the row
   * deletion. Cells those markers shadowed were dropped when they merged, so nothing comes back
   * here — but a replica that never got a marker would bring its older value back, so this is only
   * safe once every replica is known to have them (anti-entropy repair since the cutoff).
   */
  public Row purgeTombstonesBefore(Timestamp cutoff) {
    Timestamp deletion = deletedAt != null && deletedAt.isBefore(cutoff) ? null : deletedAt;
    TreeMap<String, Cell> kept = new TreeMap<>();
    cells.forEach(
        (name, cell) -> {
          if (!(cell.isTombstone() && cell.timestamp().isBefore(cutoff))) {
            kept.put(name, cell);
          }
        });
    return new Row(deletion, kept);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Row r && Objects.equals(deletedAt, r.deletedAt) && cells.equals(r.cells);
  }

  @Override
  public int hashCode() {
    return Objects.hash(deletedAt, cells);
  }

  @Override
  public String toString() {
    return "Row{deletedAt=" + deletedAt + ", cells=" + cells + "}";
  }
}
