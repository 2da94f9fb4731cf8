package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Timestamp;

/**
 * Paxos phase 1b. If {@code promised} is false the acceptor had promised {@code promisedBallot},
 * a higher ballot. Either way it reports its accepted proposal and most recent commit (null if none).
 *
 * @param row with a promise, the acceptor's row for the key at the moment it promised (the read
 *     folded into the prepare, so that a linearizable read needs no round of its own); null
 *     without a promise, or from a node that does not send it
 */
public record PrepareResponse(
    int nodeId, boolean promised, Timestamp promisedBallot, Proposal accepted, Proposal committed, Row row)
    implements PeerResponse {}
