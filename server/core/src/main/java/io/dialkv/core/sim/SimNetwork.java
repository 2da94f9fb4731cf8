package io.dialkv.core.sim;

import io.dialkv.core.node.DialNode;
import io.dialkv.core.transport.LinearizableRequest;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
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
 *   <li>extra latency on a link;
 *   <li>lost and duplicated messages, at a chance per message (jitter reorders them);
 *   <li>a paused node: what is sent to it, and the answers and timeouts of what it sent, wait
 *       until it resumes.
 * </ul>
 *
 * Every message takes a base latency plus a jitter drawn from the world's seeded random source,
 * and crosses a {@link SimWire} (the same objects, or the node's encoding).
 */
public final class SimNetwork {
  private final SimWorld world;
  private final Map<Integer, DialNode> nodes = new HashMap<>();
  private final Map<Integer, SimScheduler> loops = new HashMap<>();
  private final Set<Integer> crashed = new HashSet<>();
  private final Set<Link> cut = new HashSet<>();
  private final Map<Link, Duration> extraDelay = new HashMap<>();
  private final Map<String, Integer> sentByKind = new TreeMap<>();
  private Duration baseLatency = Duration.ofMillis(1);
  private Duration jitter = Duration.ofMillis(1);
  private double dropChance;
  private double duplicateChance;
  /** Chances [drop, duplicate] of single links, in place of the network-wide ones. */
  private final Map<Link, double[]> linkChances = new HashMap<>();
  private SimWire wire = SimWire.IN_MEMORY;
  private final List<String> wireFailures = new ArrayList<>();

  SimNetwork(SimWorld world) {
    this.world = world;
  }

  private record Link(int from, int to) {}

  void attach(int nodeId, DialNode node, SimScheduler loop) {
    nodes.put(nodeId, node);
    loops.put(nodeId, loop);
    crashed.remove(nodeId);
  }

  /** Runs work that belongs to a node now, or when it resumes if it is paused. */
  private void onNode(int nodeId, Runnable work) {
    SimScheduler loop = loops.get(nodeId);
    if (loop == null) {
      work.run();
    } else {
      loop.runOrHold(work);
    }
  }

  void crash(int nodeId) {
    crashed.add(nodeId);
    nodes.remove(nodeId);
    loops.remove(nodeId);
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
        () -> onNode(from, () -> reply.completeExceptionally(
            new PeerFailureException(to, "timed out after " + timeout.toMillis() + " ms", true))));
    if (crashed.contains(to) || !nodes.containsKey(to)) {
      world.after(
          latency(from, to),
          () -> onNode(from, () -> reply.completeExceptionally(
              new PeerFailureException(to, "connection refused", false))));
      return reply;
    }
    if (cut.contains(new Link(from, to)) || lost(from, to)) {
      return reply; // dropped: the sender learns nothing until its timeout
    }
    world.after(latency(from, to), () -> deliver(from, to, request, reply));
    double duplicate = chance(from, to, 1);
    if (duplicate > 0 && !(request instanceof LinearizableRequest) && world.random().nextDouble() < duplicate) {
      // The copy's answer finds the reply already complete (or completes it first): the
      // receiver must cope with handling the request twice. A hand-off of a client's operation is
      // not duplicated: the transport carries each request at most once, and the coordinator
      // never sends one again once it may have arrived (a second run of a compare-and-set is
      // another operation, not a retransmission).
      world.after(latency(from, to), () -> deliver(from, to, request, reply));
    }
    return reply;
  }

  /** The link's chance to lose ({@code which} 0) or duplicate (1) a message. */
  private double chance(int from, int to, int which) {
    double[] link = linkChances.isEmpty() ? null : linkChances.get(new Link(from, to));
    return link != null ? link[which] : which == 0 ? dropChance : duplicateChance;
  }

  private boolean lost(int from, int to) {
    double drop = chance(from, to, 0);
    return drop > 0 && world.random().nextDouble() < drop;
  }

  private <R extends PeerResponse> void deliver(
      int from, int to, PeerRequest<R> request, CompletableFuture<R> reply) {
    onNode(to, () -> {
      DialNode target = nodes.get(to);
      if (target == null) {
        return; // crashed while the message was in flight
      }
      PeerRequest<?> received;
      try {
        received = wire.request(request);
      } catch (RuntimeException refused) {
        answer(from, to, reply, null, wireFailure(from, to, request, null, refused));
        return;
      }
      target
          .handlePeer(received)
          .whenComplete(
              (response, failure) -> {
                if (failure != null) {
                  answer(from, to, reply, null, failure);
                  return;
                }
                PeerResponse decoded;
                try {
                  decoded = wire.response(request, response);
                } catch (RuntimeException refused) {
                  answer(from, to, reply, null, wireFailure(from, to, request, response, refused));
                  return;
                }
                @SuppressWarnings("unchecked") // the answer to a PeerRequest<R> decodes as an R
                R typed = (R) decoded;
                answer(from, to, reply, typed, null);
              });
    });
  }

  /** Sends the receiver's answer (or failure) back, unless the way back is cut or loses it. */
  private <R extends PeerResponse> void answer(
      int from, int to, CompletableFuture<R> reply, R response, Throwable failure) {
    if (cut.contains(new Link(to, from)) || crashed.contains(from) || lost(to, from)) {
      return;
    }
    world.after(
        latency(to, from),
        () -> onNode(from, () -> {
          if (failure != null) {
            reply.completeExceptionally(PeerFailureException.of(to, failure));
          } else {
            reply.complete(response);
          }
        }));
  }

  private RuntimeException wireFailure(
      int from, int to, PeerRequest<?> request, PeerResponse response, RuntimeException refused) {
    if (wireFailures.size() < 10) {
      String what = response == null ? String.valueOf(request) : "answer " + response + " to " + request;
      // A message may hold many rows: enough of it to recognise it.
      wireFailures.add("n" + from + "->n" + to + " " + (what.length() > 300 ? what.substring(0, 300) + "..." : what)
          + ": " + refused);
    }
    return refused;
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

  /** How messages cross from now on (set before the nodes start, so that every message does). */
  void setWire(SimWire wire) {
    this.wire = wire;
  }

  /**
   * The first few messages the wire refused, described: a codec that cannot carry what the core
   * sends is a bug, whatever the nodes made of the failure.
   */
  public List<String> wireFailures() {
    return List.copyOf(wireFailures);
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

  /** Restores every link, removes every extra delay and stops losing or duplicating messages. */
  public void heal() {
    cut.clear();
    extraDelay.clear();
    dropChance = 0;
    duplicateChance = 0;
    linkChances.clear();
  }

  /** Restores the link from {@code from} to {@code to} (one direction). */
  public void restoreOneWay(int from, int to) {
    cut.remove(new Link(from, to));
  }

  /**
   * Loses each message (request or answer) with the first chance and delivers a request twice with
   * the second, until {@link #heal}.
   */
  public void setLossy(double dropChance, double duplicateChance) {
    checkChances(dropChance, duplicateChance);
    this.dropChance = dropChance;
    this.duplicateChance = duplicateChance;
  }

  private static void checkChances(double dropChance, double duplicateChance) {
    if (!(dropChance >= 0 && dropChance < 1 && duplicateChance >= 0 && duplicateChance < 1)) {
      throw new IllegalArgumentException("chances must be in [0, 1)");
    }
  }

  /**
   * Loses and duplicates messages from one node to another with chances of their own, in place of
   * the network-wide ones, until {@link #heal} or {@link #clearLinkFaults}.
   */
  public void setLossy(int from, int to, double dropChance, double duplicateChance) {
    checkChances(dropChance, duplicateChance);
    linkChances.put(new Link(from, to), new double[] {dropChance, duplicateChance});
  }

  /** Removes every link's own loss, duplication and extra delay (cuts stay). */
  public void clearLinkFaults() {
    linkChances.clear();
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
