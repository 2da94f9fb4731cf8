package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import java.util.Map;

/** One page of rows, tombstones included; {@code more} if rows after the last one remain. */
public record FetchRowsResponse(int nodeId, Map<String, Row> rows, boolean more) implements PeerResponse {}
