package io.dialkv.core.transport;

import io.dialkv.core.time.Timestamp;

/** "Yes." Carries the replier's clock. */
public record HeartbeatResponse(int nodeId, Timestamp clock) implements PeerResponse {}
