package io.dialkv.core.transport;

import io.dialkv.core.time.Timestamp;

/** Paxos phase 1a: promise not to accept anything below this ballot for the key. */
public record PrepareRequest(int from, String key, Timestamp ballot) implements PeerRequest<PrepareResponse> {}
