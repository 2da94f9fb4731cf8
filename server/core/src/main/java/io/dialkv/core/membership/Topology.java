package io.dialkv.core.membership;

import io.dialkv.core.ring.TokenRing;
import java.util.ArrayList;
import java.util.List;

/**
 * The rings a membership implies. Requests are served by the current ring (normal and leaving
 * members). While a member joins or leaves, the cluster also has a future ring (normal and joining
 * members); a key's replicas in the future ring that are not yet replicas in the current one are
 * its pending replicas: they get every write, so that nothing written during the move is missing
 * once they own the key, but serve no reads. Immutable.
 */
public final class Topology {
  private final Membership membership;
  private final TokenRing current;
  private final TokenRing future;

  private Topology(Membership membership, TokenRing current, TokenRing future) {
    this.membership = membership;
    this.current = current;
    this.future = future;
  }

  /** The rings of the membership; every node's tokens are derived from its id. */
  public static Topology of(Membership membership, int virtualNodes, int replicationFactor) {
    TokenRing current =
        TokenRing.create(membership.ids(MemberStatus::ownsRanges), virtualNodes, replicationFactor);
    List<Integer> futureIds = new ArrayList<>(membership.ids(MemberStatus::willOwnRanges));
    TokenRing future =
        futureIds.equals(new ArrayList<>(current.nodes()))
            ? current
            : TokenRing.create(futureIds, virtualNodes, replicationFactor);
    return new Topology(membership, current, future);
  }

  public Membership membership() {
    return membership;
  }

  /** The ring that serves requests. */
  public TokenRing ring() {
    return current;
  }

  /** The ring once the member joining or leaving is done (the current ring if none is). */
  public TokenRing future() {
    return future;
  }

  /** Whether a member is joining or leaving, so that some keys have pending replicas. */
  public boolean changing() {
    return future != current;
  }

  /** Nodes that will be replicas of the key once the current change is done, but are not yet. */
  public List<Integer> pendingReplicas(String key) {
    if (future == current) {
      return List.of();
    }
    long token = TokenRing.tokenOf(key);
    List<Integer> now = current.replicasForToken(token);
    return future.replicasForToken(token).stream().filter(n -> !now.contains(n)).toList();
  }
}
