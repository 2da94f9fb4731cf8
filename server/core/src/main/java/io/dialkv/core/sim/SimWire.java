package io.dialkv.core.sim;

import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;

/**
 * What a message becomes on its way across the simulated network. The core has no wire format of
 * its own (the node's protobuf codec lives outside it), so a simulation that wants codec bugs in
 * scope plugs that codec in here: every request and answer is then encoded, written to bytes,
 * parsed and decoded, and the receiver gets only what survived.
 *
 * <p>A codec that refuses a message throws; the simulated network answers the sender with that
 * failure, as a real peer answers a malformed message, and counts it in {@link
 * SimNetwork#wireFailures()}: the core never sends a message its own codec refuses.
 */
public interface SimWire {
  /** Messages cross as the same objects. */
  SimWire IN_MEMORY = new SimWire() {
    @Override
    public PeerRequest<?> request(PeerRequest<?> request) {
      return request;
    }

    @Override
    public PeerResponse response(PeerRequest<?> request, PeerResponse response) {
      return response;
    }
  };

  /** The request as the receiver decodes it. */
  PeerRequest<?> request(PeerRequest<?> request);

  /** The answer to {@code request} as its sender decodes it. */
  PeerResponse response(PeerRequest<?> request, PeerResponse response);
}
