package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import java.util.Map;

/** "Merge these rows": ranges streamed to a node that takes them over. Answered when durable. */
public record ApplyRowsRequest(int from, Map<String, Row> rows) implements PeerRequest<ReplicaWriteResponse> {}
