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
 * @param failed replicas that answered the digests but then failed to send or take rows (a
 *     timeout, a refusal): the leaves they hold were not repaired
 * @param leavesNotRepaired differing leaves that were not (fully) repaired because of those
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
    long tombstonesPurged,
    List<Integer> failed,
    int leavesNotRepaired) {

  /** Whether every replica of every range took part and every difference was repaired. */
  public boolean complete() {
    return unreachable.isEmpty() && failed.isEmpty();
  }
}
