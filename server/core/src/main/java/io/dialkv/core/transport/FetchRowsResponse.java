package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import java.util.Map;

/**
 * One page of rows, tombstones included; {@code more} if rows after it remain, to be asked for
 * after {@code resumeAfter} (the last key the page's scan reached, in the source's key order).
 * {@code sourceBusy}: the source's own clients were pressing when it read the page, so the next
 * page should wait a little.
 */
public record FetchRowsResponse(
    int nodeId, Map<String, Row> rows, boolean more, String resumeAfter, boolean sourceBusy)
    implements PeerResponse {

  public FetchRowsResponse(int nodeId, Map<String, Row> rows, boolean more, String resumeAfter) {
    this(nodeId, rows, more, resumeAfter, false);
  }

  /** The same page, saying whether its source was busy. */
  public FetchRowsResponse busy(boolean busy) {
    return new FetchRowsResponse(nodeId, rows, more, resumeAfter, busy);
  }
}
