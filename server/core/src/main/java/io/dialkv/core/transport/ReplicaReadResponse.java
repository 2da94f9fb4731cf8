package io.dialkv.core.transport;

import io.dialkv.core.data.Row;

/** The replica's row ({@link Row#EMPTY} if it holds nothing for the key). */
public record ReplicaReadResponse(int nodeId, Row row) implements PeerResponse {}
