package io.dialkv.client.balancer;

import io.grpc.CallOptions;
import java.util.Set;

/**
 * What one call tells the balancer, and what the balancer tells it back. Set on a call with
 * {@code callOptions.withOption(Route.KEY, route)}; a call without one is balanced with no key.
 *
 * <p>In: the key the request reads or writes (for token-aware routing), nodes not to use (those an
 * earlier attempt of the same request already failed on), and optionally a sticky id standing for
 * the client (for ip-hash, when one process speaks for many clients, as the standalone balancer
 * does). Out: the node the call was sent to, and whether its headers reached the wire, which tells
 * a failed write that was never sent from one that may have been applied. One route per attempt.
 */
public final class Route {
  /** The call option that carries a route. */
  public static final CallOptions.Key<Route> KEY = CallOptions.Key.create("dialkv-route");

  private final String key;
  private final Set<String> excludedAddresses;
  private final String stickyId;
  private final boolean toFirstReplica;
  private volatile NodeRef chosen;
  private volatile boolean sent;

  public Route(String key, Set<String> excludedAddresses, String stickyId) {
    this(key, excludedAddresses, stickyId, false);
  }

  /**
   * @param toFirstReplica send the call to the first of the key's replicas (in ring order) that
   *     can take it, rather than balance among them: a linearizable operation's preferred proposer,
   *     which would otherwise receive it from the node it was sent to, one hop later
   */
  public Route(String key, Set<String> excludedAddresses, String stickyId, boolean toFirstReplica) {
    this.key = key;
    this.excludedAddresses = Set.copyOf(excludedAddresses);
    this.stickyId = stickyId;
    this.toFirstReplica = toFirstReplica;
  }

  /** A route for a request on {@code key} (null for requests without one). */
  public static Route forKey(String key) {
    return new Route(key, Set.of(), null);
  }

  /** The row key the request touches, or null. */
  public String key() {
    return key;
  }

  /** Addresses (host:port as the balancer reports them) this attempt must avoid. */
  public Set<String> excludedAddresses() {
    return excludedAddresses;
  }

  /** Whether the call goes to the key's first replica that can take it (token-aware routing only). */
  public boolean toFirstReplica() {
    return toFirstReplica;
  }

  /** The id ip-hash routing uses instead of the balancer's own client id, or null. */
  public String stickyId() {
    return stickyId;
  }

  /** The node the balancer chose for this attempt, or null if it chose none. */
  public NodeRef chosen() {
    return chosen;
  }

  /** Whether the request's headers were written to the chosen node's connection. */
  public boolean sent() {
    return sent;
  }

  void chose(NodeRef node) {
    this.chosen = node;
  }

  void markSent() {
    this.sent = true;
  }

  /** A node as the balancer knows it: its id (-1 before the topology is known) and address. */
  public record NodeRef(int nodeId, String address) {
    @Override
    public String toString() {
      return nodeId < 0 ? address : "n" + nodeId + " (" + address + ")";
    }
  }
}
