package io.dialkv.core.transport;

import io.dialkv.core.ring.TokenSpan;
import java.util.List;

/**
 * "Send me your rows in these spans": ranges streamed to a node that takes them over. Paged in key
 * order: the rows after {@code afterKey} ("" for the first page), until about {@code maxBytes}.
 */
public record FetchRowsRequest(int from, List<TokenSpan> spans, String afterKey, int maxBytes)
    implements PeerRequest<FetchRowsResponse> {
  public FetchRowsRequest {
    spans = List.copyOf(spans);
  }
}
