package io.dialkv.core.transport;

import java.util.List;

/** Return the Merkle leaves of these token ranges, as this replica holds them (repair). */
public record RangeDigestRequest(int from, List<Integer> ranges) implements PeerRequest<RangeDigestResponse> {
  public RangeDigestRequest {
    ranges = List.copyOf(ranges);
  }
}
