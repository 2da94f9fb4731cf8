package io.dialkv.core.paxos;

import io.dialkv.core.time.Timestamp;

/**
 * An acceptor's durable Paxos state for one key (Lamport, "Paxos Made Simple", section 2.2, with
 * Cassandra's addition of the most recent commit).
 *
 * @param promised the highest ballot promised (null if none)
 * @param accepted the proposal accepted with the highest ballot (null if none)
 * @param committed the most recent proposal committed on this replica (null if none)
 */
public record PaxosState(Timestamp promised, Proposal accepted, Proposal committed) {
  public static final PaxosState EMPTY = new PaxosState(null, null, null);

  /** The accepted proposal if it is newer than the last commit, i.e. possibly still in progress. */
  public Proposal inProgress() {
    return accepted != null && accepted.isNewerThan(committed) ? accepted : null;
  }
}
