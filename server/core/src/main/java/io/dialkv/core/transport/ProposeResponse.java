package io.dialkv.core.transport;

import io.dialkv.core.time.Timestamp;

/**
 * Paxos phase 2b: accepted, or refused because {@code promisedBallot} is higher.
 *
 * @param mayHaveAcceptedBefore for a refusal: the acceptor holds an accepted proposal with a ballot
 *     at or above this one's, so it may have accepted this one before (its answer lost, the request
 *     handled again). Such a refusal does not show that the proposal was accepted nowhere.
 * @param committed accepted and, as the request asked ({@link ProposeRequest#commitIfAccepted}),
 *     committed: applied to the row. A node that does not know the request's flag never says so.
 */
public record ProposeResponse(
    int nodeId, boolean accepted, Timestamp promisedBallot, boolean mayHaveAcceptedBefore, boolean committed)
    implements PeerResponse {}
