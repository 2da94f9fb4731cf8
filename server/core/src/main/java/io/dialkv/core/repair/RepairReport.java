package io.dialkv.core.repair;

import java.util.List;

/**
 * What one anti-entropy repair of a node did.
 *
 * @param nodeId the node whose ranges were repaired
 * @param ranges ranges it holds a replica of
 * @param rangesDiffering ranges whose replicas' Merkle roots disagreed
 * @param leavesDiffering leaves whose rows were fetched and compared
 * @param rowsStreamed row deltas written to a replica that lacked them
 * @param bytesStreamed approximate size of those deltas
 * @param millis how long it took
 * @param unreachable replicas that were down or did not answer (their copies were not repaired)
 * @param tombstonesPurged rows of this node from which deletion markers past the grace period, in
 *     ranges fully repaired since they were written, were purged
 */
public record RepairReport(
    int nodeId,
    int ranges,
    int rangesDiffering,
    int leavesDiffering,
    long rowsStreamed,
    long bytesStreamed,
    long millis,
    List<Integer> unreachable,
    long tombstonesPurged) {}
