package io.dialkv.core.transport;

/**
 * The receiving side of a {@link Transport}: what a node does with requests from its peers.
 *
 * <p>Transports call it on the receiving node's event loop and send back what it returns. It may
 * throw, in which case the sender's future fails with a {@link PeerFailureException}.
 */
@FunctionalInterface
public interface PeerHandler {
  <R extends PeerResponse> R handle(PeerRequest<R> request);
}
