package io.dialkv.core.transport;

import io.dialkv.core.time.Timestamp;

/**
 * Paxos phase 1a: promise not to accept anything below this ballot for the key.
 *
 * @param readOnly for a linearizable read: the acceptor reports its state and row and promises
 *     nothing (stores nothing). A read that proposes nothing needs no promise: what it must see is
 *     every value chosen before it began, and a majority's state shows that whatever was promised.
 */
public record PrepareRequest(int from, String key, Timestamp ballot, boolean readOnly)
    implements PeerRequest<PrepareResponse> {
  public PrepareRequest(int from, String key, Timestamp ballot) {
    this(from, key, ballot, false);
  }
}
