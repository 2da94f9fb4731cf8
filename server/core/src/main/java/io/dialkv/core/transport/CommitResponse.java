package io.dialkv.core.transport;

/** The commit is applied and durable. */
public record CommitResponse(int nodeId) implements PeerResponse {}
