package io.dialkv.node;

import java.util.Set;

/**
 * Which peers this node pretends it cannot reach: a node-level firewall set over the admin API to
 * inject partitions. Messages to a blocked peer are never sent (the sender times out, as with a cut
 * cable) and requests from a blocked peer are never answered. Thread-safe.
 */
public final class LinkRules {
  private volatile Set<Integer> blocked = Set.of();

  public boolean blocks(int peer) {
    return blocked.contains(peer);
  }

  public void block(Set<Integer> peers) {
    blocked = Set.copyOf(peers);
  }

  public Set<Integer> blocked() {
    return blocked;
  }
}
