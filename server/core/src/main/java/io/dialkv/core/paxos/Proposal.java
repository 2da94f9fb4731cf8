package io.dialkv.core.paxos;

import io.dialkv.core.data.Row;
import io.dialkv.core.time.Timestamp;

/**
 * A value proposed in a Paxos round: the ballot it was proposed with and the row mutation it
 * would apply (empty for the no-op that linearizable reads and failed compare-and-sets commit).
 */
public record Proposal(Timestamp ballot, Row update) {
  public boolean isNewerThan(Proposal other) {
    return other == null || ballot.isAfter(other.ballot);
  }

  public static Proposal newest(Proposal a, Proposal b) {
    if (a == null) {
      return b;
    }
    return b != null && b.isNewerThan(a) ? b : a;
  }
}
