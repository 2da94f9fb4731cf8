package io.dialkv.client.balancer;

import java.util.Locale;

/**
 * How the client chooses a node for each request: {@code round-robin}, {@code least-connections},
 * {@code p2c}, {@code ip-hash}, or {@code token-aware} wrapping one of them ({@code token-aware:round-robin};
 * plain {@code token-aware} means {@code token-aware:least-connections}, the default).
 *
 * <p>Token-aware sends a request to a replica of its key, so the node that coordinates it holds a
 * copy and saves one network hop; the wrapped policy chooses among the key's healthy replicas. When
 * no replica is healthy it chooses among all healthy nodes, which can still coordinate.
 *
 * @param tokenAware whether requests go to replicas of their key
 * @param choice how a node is chosen among the candidates
 */
public record BalancerPolicy(boolean tokenAware, Choice choice) {
  /** The default: token-aware over least-connections. */
  public static final BalancerPolicy DEFAULT = new BalancerPolicy(true, Choice.LEAST_CONNECTIONS);

  /** How one node is chosen among several candidates. */
  public enum Choice {
    /** Each request to the next candidate in turn. */
    ROUND_ROBIN("round-robin"),
    /** To the candidate with the fewest requests in flight from this client. */
    LEAST_CONNECTIONS("least-connections"),
    /** The less busy of two candidates drawn at random ("power of two choices"). */
    POWER_OF_TWO("p2c"),
    /**
     * Sticky: the same client id (the client address, for the standalone balancer) always reaches
     * the same node while it is healthy, and a consistent successor when not (rendezvous hashing,
     * so only the clients of a failed node move).
     */
    IP_HASH("ip-hash");

    private final String label;

    Choice(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /**
   * Parses a policy name as the CLI's {@code --balancer} takes it.
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static BalancerPolicy parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT);
    boolean tokenAware = false;
    if (n.equals("token-aware")) {
      return DEFAULT;
    }
    if (n.startsWith("token-aware:")) {
      tokenAware = true;
      n = n.substring("token-aware:".length());
    }
    for (Choice c : Choice.values()) {
      if (c.label.equals(n)) {
        return new BalancerPolicy(tokenAware, c);
      }
    }
    throw new IllegalArgumentException(
        "unknown balancer policy '"
            + name
            + "'; use round-robin, least-connections, p2c, ip-hash, token-aware (over"
            + " least-connections) or token-aware:round-robin|least-connections|p2c|ip-hash");
  }

  /** The name {@link #parse} accepts. */
  public String label() {
    return tokenAware ? "token-aware:" + choice.label : choice.label;
  }

  @Override
  public String toString() {
    return label();
  }
}
