package io.dialkv.core.transport;

import io.dialkv.core.membership.Member;
import io.dialkv.core.time.Timestamp;
import java.util.List;

/**
 * "Yes." Carries the replier's clock, the digest of its membership, and the membership itself when
 * the request's digest differed from it (empty otherwise).
 */
public record HeartbeatResponse(int nodeId, Timestamp clock, long membershipDigest, List<Member> members)
    implements PeerResponse {
  public HeartbeatResponse {
    members = List.copyOf(members);
  }
}
