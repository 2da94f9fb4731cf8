package io.dialkv.client.balancer;

import io.dialkv.core.ring.TokenRing;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Chooses a node for each call, on the caller's thread. Immutable but for the chooser's counters.
 * Healthy nodes come first; nodes that are connected but not serving or ejected are used only when
 * no node is healthy (a node cut off from its peers can still serve ONE reads of its own data);
 * with neither, the call waits for a connection in progress or fails at once when every node is
 * down.
 */
final class DialPicker extends SubchannelPicker {
  /** The description of a request held back by client-side throttling: nothing was sent. */
  static final String THROTTLED =
      "held back by this client: every node that could take the request refused most recent requests "
          + "for overload; nothing was sent";
  private static final String HELD_BACK =
      "held back by this client: every node that could take the request has as many of its requests in flight "
          + "as it answers without queueing";
  private final List<Backend> healthy;
  private final List<Backend> fallback;
  private final boolean connecting;
  private final Status failure;
  private final TokenRing ring;
  private final Chooser chooser;
  private final boolean tokenAware;

  DialPicker(
      List<Backend> healthy,
      List<Backend> fallback,
      boolean connecting,
      Status failure,
      TokenRing ring,
      Chooser chooser,
      boolean tokenAware) {
    this.healthy = List.copyOf(healthy);
    this.fallback = List.copyOf(fallback);
    this.connecting = connecting;
    this.failure = failure;
    this.ring = ring;
    this.chooser = chooser;
    this.tokenAware = tokenAware;
  }

  @Override
  public PickResult pickSubchannel(PickSubchannelArgs args) {
    Route route = args.getCallOptions().getOption(Route.KEY);
    List<Backend> candidates = allowed(healthy, route);
    if (candidates.isEmpty()) {
      candidates = allowed(fallback, route);
    }
    if (candidates.isEmpty()) {
      if (connecting) {
        return PickResult.withNoResult();
      }
      if (route != null && !route.excludedAddresses().isEmpty() && !(healthy.isEmpty() && fallback.isEmpty())) {
        return PickResult.withError(Status.UNAVAILABLE.withDescription(
            "every usable dialkv node was already tried for this request"));
      }
      return PickResult.withError(failure);
    }
    List<Integer> replicas = null;
    if (tokenAware && ring != null && route != null && route.key() != null) {
      replicas = ring.replicasFor(route.key());
      candidates = replicasAmong(candidates, replicas);
    }
    candidates = notThrottled(candidates);
    if (candidates.isEmpty()) {
      return PickResult.withError(Status.RESOURCE_EXHAUSTED.withDescription(THROTTLED));
    }
    List<Backend> withRoom = withRoom(candidates);
    if (withRoom.isEmpty()) {
      StringBuilder limits = new StringBuilder();
      for (Backend b : candidates) {
        limits.append(limits.length() == 0 ? " (" : ", ").append(b.ref()).append(": ").append(b.inFlightLimit());
      }
      return PickResult.withError(Status.RESOURCE_EXHAUSTED.withDescription(
          HELD_BACK + limits + "); nothing was sent"));
    }
    candidates = withRoom;
    Backend chosen = replicas != null && route.toFirstReplica()
        ? firstInRingOrder(candidates, replicas)
        : chooser.choose(candidates, route);
    if (route != null) {
      route.chose(chosen.ref());
    }
    return PickResult.withSubchannel(chosen.subchannel(), chosen.tracerFactory());
  }

  /**
   * The candidates this client does not hold the request back from: nodes that refuse most
   * requests for overload get only a share of them (see {@link Throttle}).
   */
  private static List<Backend> notThrottled(List<Backend> candidates) {
    return keep(candidates, b -> !b.throttles(ThreadLocalRandom.current().nextDouble()));
  }

  /** The candidates that have room for one more request of this client's (see {@link Backend#hasRoom}). */
  private static List<Backend> withRoom(List<Backend> candidates) {
    return keep(candidates, Backend::hasRoom);
  }

  /** The candidates that pass, in order; the list itself when all do (the usual case: no copy). */
  private static List<Backend> keep(List<Backend> candidates, Predicate<Backend> test) {
    List<Backend> kept = null;
    for (int i = 0; i < candidates.size(); i++) {
      Backend b = candidates.get(i);
      if (!test.test(b)) {
        if (kept == null) {
          kept = new ArrayList<>(candidates.subList(0, i));
        }
      } else if (kept != null) {
        kept.add(b);
      }
    }
    return kept == null ? candidates : kept;
  }

  private static List<Backend> allowed(List<Backend> backends, Route route) {
    if (route == null || route.excludedAddresses().isEmpty()) {
      return backends;
    }
    return keep(backends, b -> !route.excludedAddresses().contains(b.address));
  }

  /** The candidate that comes first among the key's replicas; the first candidate when none is one. */
  private static Backend firstInRingOrder(List<Backend> candidates, List<Integer> replicas) {
    Backend first = candidates.get(0);
    int firstAt = Integer.MAX_VALUE;
    for (Backend b : candidates) {
      int at = replicas.indexOf(b.nodeId());
      if (at >= 0 && at < firstAt) {
        first = b;
        firstAt = at;
      }
    }
    return first;
  }

  /** The candidates that hold a replica of the key; all of them when none does. */
  private static List<Backend> replicasAmong(List<Backend> candidates, List<Integer> replicas) {
    List<Backend> onReplicas = new ArrayList<>(replicas.size());
    for (Backend b : candidates) {
      if (replicas.contains(b.nodeId())) {
        onReplicas.add(b);
      }
    }
    return onReplicas.isEmpty() ? candidates : onReplicas;
  }
}
