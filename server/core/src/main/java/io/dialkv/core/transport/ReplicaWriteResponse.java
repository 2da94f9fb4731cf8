package io.dialkv.core.transport;

import io.dialkv.core.time.Timestamp;

/**
 * The write is in the replica's write-ahead log.
 *
 * @param supersededBy when the replica already held newer data for some of the written cells (the
 *     write lost last-write-wins there), the newest timestamp that beat it; null otherwise
 */
public record ReplicaWriteResponse(int nodeId, Timestamp supersededBy) implements PeerResponse {
  public ReplicaWriteResponse(int nodeId) {
    this(nodeId, null);
  }
}
