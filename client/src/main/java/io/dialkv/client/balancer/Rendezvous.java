package io.dialkv.client.balancer;

import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;

/**
 * Rendezvous (highest random weight) hashing: a client goes to the node with the highest score of
 * (client, node), so it stays there while the node is a candidate, and when the node goes, only
 * its clients move, each to its own next-highest node (Thaler and Ravishankar, 1998). Used by the
 * ip-hash policy, per request in the client and per connection in the standalone balancer.
 */
public final class Rendezvous {
  private Rendezvous() {}

  /** The 64-bit hash of a client or node key. */
  public static long hash(String s) {
    return Hashing.murmur3_128().hashString(s, StandardCharsets.UTF_8).asLong();
  }

  /** The key a node is hashed by: its id, so a node keeps its clients if its address changes. */
  public static String nodeKey(int nodeId, String address) {
    return nodeId < 0 ? "address-" + address : "node-" + nodeId;
  }

  /** The score of a client (by its hash) on a node (by its hash); compare unsigned. */
  public static long score(long clientHash, long nodeHash) {
    // Murmur3's 64-bit finaliser: every input bit changes about half the output bits.
    long k = clientHash ^ nodeHash;
    k ^= k >>> 33;
    k *= 0xff51afd7ed558ccdL;
    k ^= k >>> 33;
    k *= 0xc4ceb9fe1a85ec53L;
    k ^= k >>> 33;
    return k;
  }
}
