package io.dialkv.core.transport;

import java.util.List;

/**
 * Return the rows of these leaves (repair streams only what differs). Each entry is a range and a
 * leaf, as {@code range * MerkleLeaves.LEAVES + leaf}.
 */
public record RangeRowsRequest(int from, List<Long> leaves) implements PeerRequest<RangeRowsResponse> {
  public RangeRowsRequest {
    leaves = List.copyOf(leaves);
  }
}
