package io.dialkv.core.transport;

import io.dialkv.core.membership.Member;
import io.dialkv.core.time.Timestamp;
import java.util.List;

/**
 * "Are you there?" Carries the sender's clock so hybrid clocks stay close, and gossip: the digest
 * of the sender's membership, and the membership itself when the sender believes the receiver's
 * differs (empty otherwise).
 */
public record HeartbeatRequest(int from, Timestamp clock, long membershipDigest, List<Member> members)
    implements PeerRequest<HeartbeatResponse> {
  public HeartbeatRequest {
    members = List.copyOf(members);
  }
}
