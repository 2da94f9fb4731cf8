package io.dialkv.core.handoff;

/**
 * Hints one node holds for one replica.
 *
 * @param target the replica the hints are for
 * @param count how many
 * @param oldestAgeMillis age of the oldest
 */
public record PendingHints(int target, long count, long oldestAgeMillis) {}
