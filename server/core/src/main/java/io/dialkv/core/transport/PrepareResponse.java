package io.dialkv.core.transport;

import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Timestamp;

/**
 * Paxos phase 1b. If {@code promised} is false the acceptor had promised {@code promisedBallot},
 * a higher ballot. Either way it reports its accepted proposal and most recent commit (null if none).
 */
public record PrepareResponse(
    int nodeId, boolean promised, Timestamp promisedBallot, Proposal accepted, Proposal committed)
    implements PeerResponse {}
