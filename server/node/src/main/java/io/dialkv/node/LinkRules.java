package io.dialkv.node;

import java.time.Duration;
import java.util.Set;

/**
 * Which peers this node pretends it cannot reach: a node-level firewall set over the admin API to
 * inject partitions. Messages to a blocked peer are never sent (the sender times out, as with a cut
 * cable) and requests from a blocked peer are never answered. And how far away the peers are: a
 * delay added to every message to a peer and to every answer from one, for experiments where the
 * kernel cannot delay packets. Thread-safe.
 */
public final class LinkRules {
  private volatile Set<Integer> blocked = Set.of();
  private volatile Duration delay = Duration.ZERO;

  /** The one-way delay added to each message sent and each answer received; zero: none. */
  public Duration delay() {
    return delay;
  }

  public void delay(Duration oneWay) {
    if (oneWay.isNegative()) {
      throw new IllegalArgumentException("a link delay cannot be negative: " + oneWay);
    }
    delay = oneWay;
  }

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
