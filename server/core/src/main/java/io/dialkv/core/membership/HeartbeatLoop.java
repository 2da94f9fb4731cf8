package io.dialkv.core.membership;

import io.dialkv.core.time.Clock;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heartbeats every peer at a fixed interval and feeds the replies to the failure detector. A reply
 * proves the link works both ways, which is what a coordinator needs from a replica. Heartbeats and
 * replies carry the membership's gossip, so the peers are whoever the membership lists at each
 * beat. Logs one line whenever a peer's state changes.
 */
public final class HeartbeatLoop {
  private static final Logger log = LoggerFactory.getLogger(HeartbeatLoop.class);

  private final int selfId;
  private final ClusterMembership membership;
  private final Transport transport;
  private final FailureDetector detector;
  private final HybridClock hlc;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Duration interval;
  private final Map<Integer, Boolean> lastSeenAlive = new HashMap<>();
  private Scheduler.Cancellable next;
  private boolean running;

  public HeartbeatLoop(
      int selfId,
      ClusterMembership membership,
      Transport transport,
      FailureDetector detector,
      HybridClock hlc,
      Clock clock,
      Scheduler scheduler,
      Duration interval) {
    this.selfId = selfId;
    this.membership = membership;
    this.transport = transport;
    this.detector = detector;
    this.hlc = hlc;
    this.clock = clock;
    this.scheduler = scheduler;
    this.interval = interval;
  }

  /** Starts beating; call on the event loop. */
  public void start() {
    running = true;
    tick();
  }

  public void stop() {
    running = false;
    if (next != null) {
      next.cancel();
    }
  }

  private void tick() {
    if (!running) {
      return;
    }
    List<Integer> peers = membership.peers();
    for (int peer : peers) {
      transport
          .send(peer, membership.heartbeatTo(peer, hlc.latest()), interval.multipliedBy(2))
          .whenComplete(
              (reply, failure) -> {
                // A reply dated beyond the clock bound does not count: a peer whose clock is
                // that far off is treated as down until its clock is fixed.
                if (reply != null && running && hlc.tryObserve(reply.clock(), peer)) {
                  detector.heartbeat(peer, clock.monotonicNanos());
                  membership.onHeartbeatReply(peer, reply);
                }
              });
    }
    logTransitions(peers);
    next = scheduler.schedule(interval, this::tick);
  }

  private void logTransitions(List<Integer> peers) {
    lastSeenAlive.keySet().retainAll(peers);
    long now = clock.monotonicNanos();
    for (int peer : peers) {
      boolean alive = detector.isAlive(peer, now);
      Boolean before = lastSeenAlive.put(peer, alive);
      if (before == null ? alive : before != alive) {
        if (alive) {
          log.info("n{}: peer n{} is UP", selfId, peer);
        } else {
          log.warn(
              "n{}: peer n{} is DOWN (phi {})",
              selfId,
              peer,
              String.format("%.1f", detector.phi(peer, now)));
        }
      }
    }
  }
}
