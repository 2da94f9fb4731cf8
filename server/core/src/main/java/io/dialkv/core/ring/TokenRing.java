package io.dialkv.core.ring;

import com.google.common.hash.HashFunction;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.IntPredicate;

/**
 * Consistent-hash ring over the 64-bit Murmur3 token space. Each node owns several virtual nodes
 * (tokens); a key's token is the Murmur3 hash of its UTF-8 bytes, and its replicas are the first N
 * distinct nodes met walking clockwise from that token (the Dynamo paper, section 4.2-4.3).
 *
 * <p>A node's tokens are derived from its id, so every node computes the same ring from the same
 * member list without exchanging anything. Immutable and thread-safe.
 */
public final class TokenRing {
  private static final HashFunction MURMUR3 = Hashing.murmur3_128();

  private final int replicationFactor;
  private final Map<Integer, List<Long>> tokensByNode;
  // Ring positions in ascending token order, and for each the replicas of the range that ends at it.
  private final long[] tokens;
  private final int[][] replicasAt;

  private TokenRing(Map<Integer, List<Long>> tokensByNode, int replicationFactor) {
    TreeMap<Long, Integer> owners = new TreeMap<>();
    tokensByNode.forEach(
        (node, nodeTokens) -> {
          for (long token : nodeTokens) {
            Integer previous = owners.putIfAbsent(token, node);
            if (previous != null && previous.intValue() != node) {
              // Practically impossible with 64-bit hashes, but two owners would split the ring.
              throw new IllegalArgumentException(
                  "token " + token + " claimed by nodes " + previous + " and " + node);
            }
          }
        });
    int nodeCount = tokensByNode.size();
    if (nodeCount == 0) {
      throw new IllegalArgumentException("a ring needs at least one node");
    }
    if (replicationFactor < 1 || replicationFactor > nodeCount) {
      throw new IllegalArgumentException(
          "replication factor "
              + replicationFactor
              + " needs at least that many nodes; the cluster has "
              + nodeCount);
    }
    this.replicationFactor = replicationFactor;
    this.tokensByNode = Map.copyOf(tokensByNode);
    this.tokens = owners.keySet().stream().mapToLong(Long::longValue).toArray();
    int[] ownerAt = owners.values().stream().mapToInt(Integer::intValue).toArray();
    this.replicasAt = new int[tokens.length][];
    for (int i = 0; i < tokens.length; i++) {
      LinkedHashSet<Integer> replicas = new LinkedHashSet<>();
      for (int j = 0; replicas.size() < replicationFactor; j++) {
        replicas.add(ownerAt[(i + j) % tokens.length]);
      }
      replicasAt[i] = replicas.stream().mapToInt(Integer::intValue).toArray();
    }
  }

  /** A ring whose nodes each take {@code virtualNodes} tokens derived from their ids. */
  public static TokenRing create(Collection<Integer> nodeIds, int virtualNodes, int replicationFactor) {
    if (virtualNodes < 1) {
      throw new IllegalArgumentException("virtual nodes per node must be at least 1");
    }
    Map<Integer, List<Long>> tokens = new HashMap<>();
    for (int node : new TreeSet<>(nodeIds)) {
      List<Long> nodeTokens = new ArrayList<>(virtualNodes);
      for (int v = 0; v < virtualNodes; v++) {
        nodeTokens.add(hash("dialkv-node-" + node + "-vnode-" + v));
      }
      tokens.put(node, List.copyOf(nodeTokens));
    }
    return new TokenRing(tokens, replicationFactor);
  }

  /**
   * A ring from tokens already assigned, as a node's topology reports them: what a client uses to
   * find a key's replicas without computing node tokens itself.
   */
  public static TokenRing of(Map<Integer, List<Long>> tokensByNode, int replicationFactor) {
    Map<Integer, List<Long>> copy = new HashMap<>();
    tokensByNode.forEach((node, nodeTokens) -> copy.put(node, List.copyOf(nodeTokens)));
    return new TokenRing(copy, replicationFactor);
  }

  /** The token of a key: the first 64 bits of Murmur3 x64-128 (seed 0) of its UTF-8 bytes. */
  public static long tokenOf(String key) {
    return hash(key);
  }

  private static long hash(String s) {
    return MURMUR3.hashBytes(s.getBytes(StandardCharsets.UTF_8)).asLong();
  }

  /** The key's replicas in ring order, the first being the primary owner. */
  public List<Integer> replicasFor(String key) {
    return replicasForToken(tokenOf(key));
  }

  public List<Integer> replicasForToken(long token) {
    int[] replicas = replicasAt[indexOwning(token)];
    List<Integer> list = new ArrayList<>(replicas.length);
    for (int r : replicas) {
      list.add(r);
    }
    return list;
  }

  /** Index of the first ring position at or clockwise after the token (wrapping to 0). */
  private int indexOwning(long token) {
    int i = Arrays.binarySearch(tokens, token);
    if (i < 0) {
      i = -i - 1;
    }
    return i == tokens.length ? 0 : i;
  }

  /**
   * Ranges are numbered by ring position: range {@code i} is (token i-1, token i], wrapping, and
   * all its keys have the same replicas. Anti-entropy repair compares replicas range by range.
   */
  public int rangeCount() {
    return tokens.length;
  }

  /** The range a key falls in. */
  public int rangeOf(String key) {
    return indexOwning(tokenOf(key));
  }

  /** The replicas of a range, in ring order. */
  public List<Integer> replicasOfRange(int range) {
    List<Integer> list = new ArrayList<>(replicasAt[range].length);
    for (int r : replicasAt[range]) {
      list.add(r);
    }
    return list;
  }

  /** The ranges the node holds a replica of. */
  public List<Integer> rangesOf(int node) {
    List<Integer> ranges = new ArrayList<>();
    for (int i = 0; i < tokens.length; i++) {
      for (int r : replicasAt[i]) {
        if (r == node) {
          ranges.add(i);
          break;
        }
      }
    }
    return ranges;
  }

  /**
   * Where replicas move between this ring and {@code next}: the token space cut at the tokens of
   * both rings, each span with its replicas before and after. Within a span neither ring changes
   * owner, so the span moves as a whole. Only spans whose replicas differ are returned.
   */
  public List<Movement> movementsTo(TokenRing next) {
    TreeSet<Long> cuts = new TreeSet<>();
    for (long t : tokens) {
      cuts.add(t);
    }
    for (long t : next.tokens) {
      cuts.add(t);
    }
    List<Movement> moves = new ArrayList<>();
    long previous = cuts.last();
    for (long cut : cuts) {
      List<Integer> before = replicasForToken(cut);
      List<Integer> after = next.replicasForToken(cut);
      if (!new TreeSet<>(before).equals(new TreeSet<>(after))) {
        moves.add(new Movement(new TokenSpan(previous, cut), before, after));
      }
      previous = cut;
    }
    return moves;
  }

  /** One span whose replicas change, and its replicas before and after, in ring order. */
  public record Movement(TokenSpan span, List<Integer> before, List<Integer> after) {
    /** Replicas the span gains. */
    public List<Integer> gained() {
      return after.stream().filter(n -> !before.contains(n)).toList();
    }

    /** Replicas that lose the span. */
    public List<Integer> lost() {
      return before.stream().filter(n -> !after.contains(n)).toList();
    }
  }

  public int replicationFactor() {
    return replicationFactor;
  }

  public Set<Integer> nodes() {
    return new TreeSet<>(tokensByNode.keySet());
  }

  public List<Long> tokensOf(int node) {
    return tokensByNode.getOrDefault(node, List.of());
  }

  /**
   * Fraction of the token space for which the node is the primary owner, so that shares sum to 1.
   * A range (previous token, token] belongs to the node that owns the token.
   */
  public double primaryShare(int node) {
    return shareWhere(i -> replicasAt[i][0] == node);
  }

  /** Fraction of the token space the node holds a replica of; shares sum to the replication factor. */
  public double replicaShare(int node) {
    return shareWhere(
        i -> {
          for (int r : replicasAt[i]) {
            if (r == node) {
              return true;
            }
          }
          return false;
        });
  }

  private double shareWhere(IntPredicate ownsRangeEndingAt) {
    double share = 0;
    for (int i = 0; i < tokens.length; i++) {
      if (ownsRangeEndingAt.test(i)) {
        long previous = tokens[(i + tokens.length - 1) % tokens.length];
        // Unsigned distance around the ring; a single-token ring owns everything.
        long width = tokens.length == 1 ? -1L : tokens[i] - previous;
        share += unsignedToDouble(width);
      }
    }
    return share / Math.pow(2, 64);
  }

  private static double unsignedToDouble(long value) {
    double d = (double) (value >>> 1) * 2.0;
    return d + (value & 1);
  }
}
