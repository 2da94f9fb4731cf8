package io.dialkv.core.transport;

import io.dialkv.core.paxos.Proposal;

/** The proposal was chosen: apply it to the row store and remember it as the most recent commit. */
public record CommitRequest(int from, String key, Proposal proposal) implements PeerRequest<CommitResponse> {}
