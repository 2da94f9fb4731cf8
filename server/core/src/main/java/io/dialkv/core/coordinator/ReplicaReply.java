package io.dialkv.core.coordinator;

import io.dialkv.core.time.Timestamp;

/**
 * What one replica told the coordinator.
 *
 * @param nodeId the replica
 * @param newest the newest timestamp it held for the row (null if nothing, or for a write ack)
 * @param counted whether the reply counted toward the consistency level
 * @param behindResult it held older data than the result (a stale replica)
 * @param aheadOfResult it held newer data than the result (the result may be stale)
 * @param latencyMillis time from sending to the reply
 */
public record ReplicaReply(
    int nodeId,
    Timestamp newest,
    boolean counted,
    boolean behindResult,
    boolean aheadOfResult,
    double latencyMillis) {}
