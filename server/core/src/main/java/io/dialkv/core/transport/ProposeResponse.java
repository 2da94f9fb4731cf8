package io.dialkv.core.transport;

import io.dialkv.core.time.Timestamp;

/** Paxos phase 2b: accepted, or refused because {@code promisedBallot} is higher. */
public record ProposeResponse(int nodeId, boolean accepted, Timestamp promisedBallot) implements PeerResponse {}
