package io.dialkv.core.data;

/** How many of a key's replicas a request waits for. */
public enum Consistency {
  /** One replica. Available on both sides of a partition; reads may be stale. */
  ONE,
  /** A majority, floor(N/2)+1: a read overlaps every acknowledged QUORUM write (R + W > N). */
  QUORUM,
  /** Every replica: unavailable as soon as one is unreachable. */
  ALL,
  /**
   * A Paxos round among the key's replicas, needing a majority: linearizable reads, writes and
   * compare-and-set, at the cost of four round trips.
   */
  LINEARIZABLE;

  /** Replicas needed out of {@code replicationFactor}. */
  public int required(int replicationFactor) {
    return switch (this) {
      case ONE -> 1;
      case QUORUM, LINEARIZABLE -> replicationFactor / 2 + 1;
      case ALL -> replicationFactor;
    };
  }
}
