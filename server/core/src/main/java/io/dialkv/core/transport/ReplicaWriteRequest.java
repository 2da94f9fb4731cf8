package io.dialkv.core.transport;

import io.dialkv.core.data.Row;

/** Merge the mutation into the replica's row for the key. Idempotent. */
public record ReplicaWriteRequest(int from, String key, Row mutation)
    implements PeerRequest<ReplicaWriteResponse> {}
