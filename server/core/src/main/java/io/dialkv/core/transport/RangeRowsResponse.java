package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import java.util.Map;

/** The replica's rows in the requested leaves, tombstones included. */
public record RangeRowsResponse(int nodeId, Map<String, Row> rows) implements PeerResponse {}
