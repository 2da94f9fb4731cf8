package io.dialkv.core.membership;

import java.util.Locale;

/**
 * Where a member stands in the cluster's life. A member's data ownership follows from it: the
 * ring that serves reads and writes holds the {@link #NORMAL} and {@link #LEAVING} members; the ring
 * the cluster is moving to holds the {@link #NORMAL} and {@link #JOINING} ones.
 */
public enum MemberStatus {
  /** Streaming the ranges it will own; gets their writes but serves no reads yet. */
  JOINING,
  /** Owns its ranges. */
  NORMAL,
  /** Still owns its ranges while streaming them to their next owners. */
  LEAVING,
  /** Gone for good; kept so that gossip from a node that missed the departure cannot revive it. */
  LEFT;

  /** Whether a member in this state holds replicas in the ring that serves requests. */
  public boolean ownsRanges() {
    return this == NORMAL || this == LEAVING;
  }

  /** Whether a member in this state holds replicas in the ring the cluster is moving to. */
  public boolean willOwnRanges() {
    return this == NORMAL || this == JOINING;
  }

  /** As shown to people: {@code joining}, {@code normal}, {@code leaving}, {@code left}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
