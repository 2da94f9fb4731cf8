package io.dialkv.core.transport;

import io.dialkv.core.paxos.Proposal;

/** Paxos phase 2a: accept this proposal unless a higher ballot was promised. */
public record ProposeRequest(int from, String key, Proposal proposal) implements PeerRequest<ProposeResponse> {}
