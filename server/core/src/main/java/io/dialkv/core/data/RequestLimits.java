package io.dialkv.core.data;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * Size limits on keys, values and rows. The coordinator checks a client's request before anything
 * is sent, so an oversized request costs the cluster nothing and the client learns which limit it
 * crossed; replicas check the same limits on what peers send them, and refuse a write that would
 * make a row larger than {@link #maxRowBytes} or give it more than {@link #maxCellsPerRow} cells.
 * That keeps every row small enough to fit every message that carries it ({@link
 * #peerMessageBytes}): a read of it, its read repair, a page of repair or streaming.
 *
 * @param maxKeyBytes the longest key, in UTF-8 bytes
 * @param maxValueBytes the most value bytes one write may carry (all its cells together)
 * @param maxRowBytes the largest row, all its cells together (see {@link Row#approximateBytes})
 * @param maxCellsPerRow the most cells (profile fields, deleted ones included) one row may hold
 */
public record RequestLimits(int maxKeyBytes, int maxValueBytes, int maxRowBytes, int maxCellsPerRow) {
  public static final int DEFAULT_MAX_KEY_BYTES = 256;
  public static final int DEFAULT_MAX_VALUE_BYTES = 1 << 20;
  public static final int DEFAULT_MAX_ROW_BYTES = 2 << 20;
  public static final int DEFAULT_MAX_CELLS_PER_ROW = 1024;
  /** Longest cell (field) name: profile field names are far shorter. */
  public static final int MAX_CELL_NAME_BYTES = 256;
  /** How many bytes of rows a page of streaming or repair holds, at most one row more. */
  public static final int PAGE_BYTES = 1 << 20;
  private static final int ENVELOPE_BYTES = 256 << 10;

  public static RequestLimits defaults() {
    return new RequestLimits(DEFAULT_MAX_KEY_BYTES, DEFAULT_MAX_VALUE_BYTES, DEFAULT_MAX_ROW_BYTES,
        DEFAULT_MAX_CELLS_PER_ROW);
  }

  /** The given key and value limits; rows may hold twice the value limit, at least the default. */
  public static RequestLimits of(int maxKeyBytes, int maxValueBytes) {
    return new RequestLimits(maxKeyBytes, maxValueBytes,
        (int) Math.min(Integer.MAX_VALUE / 4, Math.max(DEFAULT_MAX_ROW_BYTES, 2L * maxValueBytes)),
        DEFAULT_MAX_CELLS_PER_ROW);
  }

  public RequestLimits {
    if (maxKeyBytes < 1 || maxValueBytes < 0 || maxCellsPerRow < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (maxRowBytes < maxValueBytes) {
      throw new IllegalArgumentException(
          "the row limit (" + maxRowBytes + " bytes) must be at least the value limit (" + maxValueBytes + ")");
    }
    if (maxRowBytes > Integer.MAX_VALUE / 4) {
      throw new IllegalArgumentException("the row limit must be under " + Integer.MAX_VALUE / 4 + " bytes");
    }
  }

  /**
   * The largest message between nodes: one row and a page of rows, with room for the envelope.
   * Nodes refuse bigger ones unread.
   */
  public int peerMessageBytes() {
    return Math.max(4 << 20, maxRowBytes + PAGE_BYTES + ENVELOPE_BYTES);
  }

  /** The largest request a client may send: one write's values, keys and field names. */
  public int clientRequestBytes() {
    return maxValueBytes + ENVELOPE_BYTES;
  }

  /** Checks a plain key: 1 to maxKeyBytes bytes of UTF-8, not in the profile namespace. */
  public void checkKey(String key) {
    checkRowKey(key);
    if (key.startsWith(ProfileSchema.KEY_PREFIX)) {
      throw new InvalidRequestException(
          "keys starting with '"
              + ProfileSchema.KEY_PREFIX
              + "' hold user profiles; use the profile calls for them");
    }
  }

  /** Checks any row key, including profile rows. */
  public void checkRowKey(String key) {
    if (key == null || key.isEmpty()) {
      throw new InvalidRequestException("key is empty; keys are 1 to " + maxKeyBytes + " bytes");
    }
    // A UTF-8 byte is at most one char: only long keys need counting.
    int bytes = key.length() * 3L <= maxKeyBytes ? key.length() : utf8Length(key);
    if (bytes > maxKeyBytes) {
      throw new InvalidRequestException("key is " + bytes + " bytes, limit " + maxKeyBytes);
    }
  }

  private static int utf8Length(String s) {
    return s.length() > 1 << 20 ? Integer.MAX_VALUE : s.getBytes(StandardCharsets.UTF_8).length;
  }

  /** Checks the total size of what a mutation writes, and how many cells it touches. */
  public void checkMutation(Mutation mutation) {
    long bytes = mutation.sizeBytes();
    if (bytes > maxValueBytes) {
      throw new InvalidRequestException("value is " + bytes + " bytes, limit " + maxValueBytes);
    }
    int cells = mutation.set().size() + mutation.unset().size();
    if (cells > maxCellsPerRow) {
      throw new InvalidRequestException("the write names " + cells + " fields, limit " + maxCellsPerRow);
    }
  }

  /**
   * Checks a row a peer sent (a replica write, a read repair, a streamed page): its cells' names
   * and its size.
   */
  public void checkRow(String key, Row row) {
    if (row.cells().size() > maxCellsPerRow) {
      throw new InvalidRequestException(
          "row '" + key + "' has " + row.cells().size() + " cells, limit " + maxCellsPerRow);
    }
    for (Map.Entry<String, Cell> cell : row.cells().entrySet()) {
      String name = cell.getKey();
      if (name.isEmpty() || utf8Length(name) > MAX_CELL_NAME_BYTES) {
        throw new InvalidRequestException("row '" + key + "' has a cell name of " + utf8Length(name)
            + " bytes; names are 1 to " + MAX_CELL_NAME_BYTES + " bytes");
      }
      // No client write carries a value larger than that, so no replica ever holds one.
      if (cell.getValue().valueUnsafe().length > maxValueBytes) {
        throw new InvalidRequestException("row '" + key + "' has a value of " + cell.getValue().valueUnsafe().length
            + " bytes, limit " + maxValueBytes);
      }
    }
    long bytes = row.approximateBytes(key);
    if (bytes > maxRowBytes) {
      throw new InvalidRequestException("row '" + key + "' is " + bytes + " bytes, limit " + maxRowBytes);
    }
  }

  /**
   * Checks that merging a write into a stored row keeps the row within the limits. A row already
   * over them (the limits were lowered) may still shrink.
   */
  public void checkMerged(String key, Row current, Row merged) {
    int cells = merged.cells().size();
    if (cells > maxCellsPerRow && cells > current.cells().size()) {
      throw new InvalidRequestException("the write would give row '" + key + "' " + cells
          + " fields, limit " + maxCellsPerRow + " per row (deleted fields count until they are purged)");
    }
    long bytes = merged.approximateBytes(key);
    if (bytes > maxRowBytes && bytes > current.approximateBytes(key)) {
      throw new InvalidRequestException("the write would make row '" + key + "' " + bytes
          + " bytes, limit " + maxRowBytes + " per row (all fields together); remove or shorten fields first");
    }
  }
}
