package io.dialkv.core.transport;

import java.util.Map;

/** Per requested range, its {@code MerkleLeaves.LEAVES} leaf hashes. */
public record RangeDigestResponse(int nodeId, Map<Integer, long[]> leaves) implements PeerResponse {}
