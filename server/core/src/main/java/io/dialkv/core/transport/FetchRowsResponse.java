package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import java.util.Map;

/**
 * One page of rows, tombstones included; {@code more} if rows after it remain, to be asked for
 * after {@code resumeAfter} (the last key the page's scan reached, in the source's key order).
 */
public record FetchRowsResponse(int nodeId, Map<String, Row> rows, boolean more, String resumeAfter)
    implements PeerResponse {}
