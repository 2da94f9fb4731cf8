package io.dialkv.core.transport;

import io.dialkv.core.time.Timestamp;

/** "Are you there?" Carries the sender's clock so hybrid clocks stay close. */
public record HeartbeatRequest(int from, Timestamp clock) implements PeerRequest<HeartbeatResponse> {}
