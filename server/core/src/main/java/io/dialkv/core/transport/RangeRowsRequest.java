package io.dialkv.core.transport;

import java.util.List;

/**
 * Return the rows of these leaves (repair streams only what differs). Each entry is a range and a
 * leaf, as {@code range * MerkleLeaves.LEAVES + leaf}. Paged like {@link FetchRowsRequest}: the
 * rows after {@code afterKey} ("" for the first page) in the replica's key order, until about
 * {@code maxBytes}.
 */
public record RangeRowsRequest(int from, List<Long> leaves, String afterKey, int maxBytes)
    implements PeerRequest<RangeRowsResponse> {
  public RangeRowsRequest {
    leaves = List.copyOf(leaves);
  }
}
