package io.dialkv.core.transport;

import io.dialkv.core.paxos.Proposal;

/**
 * Paxos phase 2a: accept this proposal unless a higher ballot was promised.
 *
 * @param commitIfAccepted the proposer's own replica has accepted this very proposal, durably, and
 *     with this acceptor's acceptance a majority of the round's replicas holds it: an acceptance
 *     chooses it, so the acceptor commits it at once (as a {@link CommitRequest} would) and says so
 *     in its answer. Only a proposer whose majority is two sets it; it saves the commit's round
 *     trip to this replica.
 */
public record ProposeRequest(int from, String key, Proposal proposal, boolean commitIfAccepted)
    implements PeerRequest<ProposeResponse> {
  /** A plain phase 2a request: accept, commit nothing. */
  public ProposeRequest(int from, String key, Proposal proposal) {
    this(from, key, proposal, false);
  }
}
