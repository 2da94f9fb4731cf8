package io.dialkv.core.transport;

/** Return the replica's row for the key. */
public record ReplicaReadRequest(int from, String key) implements PeerRequest<ReplicaReadResponse> {}
