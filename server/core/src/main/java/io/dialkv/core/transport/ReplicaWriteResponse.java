package io.dialkv.core.transport;

/** The write is in the replica's write-ahead log. */
public record ReplicaWriteResponse(int nodeId) implements PeerResponse {}
