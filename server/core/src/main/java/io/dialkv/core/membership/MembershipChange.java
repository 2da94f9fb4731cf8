package io.dialkv.core.membership;

import java.util.List;

/**
 * A completed join, decommission or removal.
 *
 * @param nodeId the node that joined or left
 * @param became its state now: {@link MemberStatus#NORMAL} after a join, {@link MemberStatus#LEFT}
 *     after a decommission or removal
 * @param sources the nodes rows were streamed from
 * @param rowsStreamed rows streamed to the ranges' new owners
 * @param bytesStreamed their approximate size
 * @param streamMillis how long the streaming took
 * @param millis how long the whole change took, waiting for the cluster to learn of it included
 */
public record MembershipChange(
    int nodeId,
    MemberStatus became,
    List<Integer> sources,
    long rowsStreamed,
    long bytesStreamed,
    long streamMillis,
    long millis) {}
