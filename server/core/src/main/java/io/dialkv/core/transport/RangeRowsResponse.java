package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import java.util.Map;

/**
 * The replica's rows in the requested leaves, tombstones included: one page.
 *
 * @param more whether rows remain after this page
 * @param resumeAfter the key to ask for the next page after
 */
public record RangeRowsResponse(int nodeId, Map<String, Row> rows, boolean more, String resumeAfter)
    implements PeerResponse {}
