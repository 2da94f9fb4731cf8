package io.dialkv.core.transport;

import io.dialkv.core.paxos.LinearizableAction;

/**
 * A coordinator hands a linearizable operation to the key's preferred proposer (its first live
 * replica), which runs the operations on each key one at a time instead of letting coordinators
 * compete with ballots. The receiver runs it itself, never hands it on.
 */
public record LinearizableRequest(int from, String key, LinearizableAction action)
    implements PeerRequest<LinearizableResponse> {}
