package io.dialkv.core.sim;

import io.dialkv.core.node.DialNode;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * An in-memory network between simulated nodes, with faults a test can inject:
 *
 * <ul>
 *   <li>cut links (one way or both): messages are dropped silently and the sender times out, as
 *       with a real network partition;
 *   <li>a crashed node: the connection is refused at once, as with a dead process;
 *   <li>extra latency on a link.
 * </ul>
 *
 * Every message takes a base latency plus a jitter drawn from the world's seeded random source.
 */
public final class SimNetwork {
  private final SimWorld world;
  private final Map<Integer, DialNode> nodes = new HashMap<>();
  private final Set<Integer> crashed = new HashSet<>();
  private final Set<Link> cut = new HashSet<>();
  private final Map<Link, Duration> extraDelay = new HashMap<>();
  private final Map<String, Integer> sentByKind = new TreeMap<>();
  private Duration baseLatency = Duration.ofMillis(1);
  private Duration jitter = Duration.ofMillis(1);

  SimNetwork(SimWorld world) {
    this.world = world;
  }

  private record Link(int from, int to) {}

  void attach(int nodeId, DialNode node) {
    nodes.put(nodeId, node);
    crashed.remove(nodeId);
  }

  void crash(int nodeId) {
    crashed.add(nodeId);
    nodes.remove(nodeId);
  }

  /** The transport one node sends through. */
  Transport transportFor(int from) {
    return new Transport() {
      @Override
      public <R extends PeerResponse> CompletableFuture<R> send(
          int to, PeerRequest<R> request, Duration timeout) {
        return SimNetwork.this.send(from, to, request, timeout);
      }

      @Override
      public void close() {}
    };
  }

  private <R extends PeerResponse> CompletableFuture<R> send(
      int from, int to, PeerRequest<R> request, Duration timeout) {
    CompletableFuture<R> reply = new CompletableFuture<>();
    sentByKind.merge(request.getClass().getSimpleName(), 1, Integer::sum);
    world.after(
        timeout,
        () -> reply.completeExceptionally(
            new PeerFailureException(to, "timed out after " + timeout.toMillis() + " ms", true)));
    if (crashed.contains(to) || !nodes.containsKey(to)) {
      world.after(
          latency(from, to),
          () -> reply.completeExceptionally(
              new PeerFailureException(to, "connection refused", false)));
      return reply;
    }
    if (cut.contains(new Link(from, to))) {
      return reply; // dropped: the sender learns nothing until its timeout
    }
    world.after(latency(from, to), () -> deliver(from, to, request, reply));
    return reply;
  }

  private <R extends PeerResponse> void deliver(
      int from, int to, PeerRequest<R> request, CompletableFuture<R> reply) {
    DialNode target = nodes.get(to);
    if (target == null) {
      return; // crashed while the message was in flight
    }
    target
        .handlePeer(request)
        .whenComplete(
            (response, failure) -> {
              if (cut.contains(new Link(to, from)) || crashed.contains(from)) {
                return;
              }
              world.after(
                  latency(to, from),
                  () -> {
                    if (failure != null) {
                      reply.completeExceptionally(PeerFailureException.of(to, failure));
                    } else {
                      reply.complete(response);
                    }
                  });
            });
  }

  private Duration latency(int from, int to) {
    long jitterNanos = jitter.isZero() ? 0 : (long) (world.random().nextDouble() * jitter.toNanos());
    return baseLatency
        .plusNanos(jitterNanos)
        .plus(extraDelay.getOrDefault(new Link(from, to), Duration.ZERO));
  }

  /**
   * How many messages of each kind (request class name) nodes have sent each other since the last
   * call, and starts counting afresh: what a test reads to count an operation's round trips. A
   * node's requests to itself take no network and are not counted.
   */
  public Map<String, Integer> takeSentCounts() {
    Map<String, Integer> counts = new TreeMap<>(sentByKind);
    sentByKind.clear();
    return counts;
  }

  /** Cuts every link between the two groups, both ways. */
  public void partition(Collection<Integer> sideA, Collection<Integer> sideB) {
    for (int a : sideA) {
      for (int b : sideB) {
        cut(a, b);
      }
    }
  }

  /** Cuts the node off from every other node. */
  public void isolate(int nodeId, Collection<Integer> allNodes) {
    partition(List.of(nodeId), allNodes.stream().filter(n -> n != nodeId).toList());
  }

  /** Cuts the link between two nodes, both ways. */
  public void cut(int a, int b) {
    cut.add(new Link(a, b));
    cut.add(new Link(b, a));
  }

  /** Cuts one direction only: messages from {@code from} to {@code to} are dropped. */
  public void cutOneWay(int from, int to) {
    cut.add(new Link(from, to));
  }

  /** Restores every link and removes every extra delay. */
  public void heal() {
    cut.clear();
    extraDelay.clear();
  }

  /** Adds latency to messages from one node to another. */
  public void delay(int from, int to, Duration extra) {
    extraDelay.put(new Link(from, to), extra);
  }

  public void setLatency(Duration base, Duration jitter) {
    this.baseLatency = base;
    this.jitter = jitter;
  }
}
