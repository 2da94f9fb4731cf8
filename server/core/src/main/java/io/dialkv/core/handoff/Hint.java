package io.dialkv.core.handoff;

import io.dialkv.core.data.Row;

/**
 * A write a replica missed, kept by the coordinator until the replica is back: the row as it was
 * sent (its cells carry their timestamps, so replaying it late, twice, or after newer writes is
 * harmless — the merge keeps the newest cell).
 *
 * @param target the replica that missed the write
 * @param createdMillis wall-clock time the hint was stored, for the hint window
 * @param sequence orders hints stored in the same millisecond
 * @param key the row key
 * @param row the write
 */
public record Hint(int target, long createdMillis, long sequence, String key, Row row) {}
