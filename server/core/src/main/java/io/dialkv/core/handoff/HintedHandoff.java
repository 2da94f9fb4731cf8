package io.dialkv.core.handoff;

import io.dialkv.core.data.Row;
import io.dialkv.core.membership.FailureDetector;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hinted handoff (the Dynamo paper, section 4.6): a coordinator keeps, durably, each write a replica
 * missed — the replica was down, or did not answer — and sends it again once its failure detector
 * sees the replica alive. Hints are extra delivery, never an acknowledgement: they do not count
 * toward any consistency level.
 *
 * <p>Bounded two ways, as in Cassandra: at most {@code maxHintsPerTarget} pending per replica, and a
 * hint window — no new hints for a replica whose oldest pending hint is older than the window (it
 * has been down that long; anti-entropy repair must bring it back), and hints older than the window
 * are dropped rather than replayed. Runs on the node's scheduler thread.
 */
public final class HintedHandoff {
  private static final Logger log = LoggerFactory.getLogger(HintedHandoff.class);
  private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);
  private static final int BATCH = 128;

  private final int selfId;
  private final Storage storage;
  private final Transport transport;
  private final FailureDetector detector;
  private final Clock clock;
  private final Scheduler scheduler;
  private final Duration window;
  private final long maxHintsPerTarget;
  private final Duration replayTimeout;
  private final BooleanSupplier foregroundBusy;
  private final NodeCounters counters;
  // Replay yields to client traffic this long at a time; a hint is kept either way, so waiting
  // only delays the replica's catching up.
  private static final Duration YIELD_PAUSE = Duration.ofMillis(100);
  private final Map<Integer, Long> pending = new TreeMap<>();
  private final Map<Integer, Long> dropped = new TreeMap<>();
  // Creation time of each replica's oldest pending hint, kept here so that storing a hint does not
  // have to read the store; refreshed from the store after each replayed batch.
  private final Map<Integer, Long> oldestCreated = new TreeMap<>();
  private final Set<Integer> replaying = new HashSet<>();
  private long sequence;
  private boolean running;

  /**
   * @param window how long hints are kept for a replica that stays down (Cassandra's
   *     max_hint_window; 3 hours by default)
   * @param maxHintsPerTarget the most hints pending for one replica
   * @param replayTimeout how long a replayed write may take before the replay stops for now
   * @param foregroundBusy whether client traffic needs the node now: replay then waits
   */
  public HintedHandoff(
      int selfId,
      Storage storage,
      Transport transport,
      FailureDetector detector,
      Clock clock,
      Scheduler scheduler,
      Duration window,
      long maxHintsPerTarget,
      Duration replayTimeout,
      BooleanSupplier foregroundBusy,
      NodeCounters counters) {
    this.counters = counters;
    this.selfId = selfId;
    this.foregroundBusy = foregroundBusy;
    this.storage = storage;
    this.transport = transport;
    this.detector = detector;
    this.clock = clock;
    this.scheduler = scheduler;
    this.window = window;
    this.maxHintsPerTarget = maxHintsPerTarget;
    this.replayTimeout = replayTimeout;
  }

  /** Counts the hints left from before a restart and starts watching for their replicas. */
  public void start() {
    pending.putAll(storage.countHints());
    pending.forEach((target, n) -> log.info("n{}: {} hints pending for n{} from before the restart", selfId, n, target));
    running = true;
    scheduler.schedule(SWEEP_INTERVAL, this::sweep);
  }

  public void stop() {
    running = false;
  }

  /**
   * Drops every hint for a node that has left the cluster: the writes it missed went to the other
   * replicas and to the ranges' next owners, and it will never be back to take them.
   */
  public void forget(int target) {
    if (pending.getOrDefault(target, 0L) == 0) {
      return;
    }
    long n = 0;
    for (List<Hint> batch = storage.hints(target, BATCH); !batch.isEmpty(); batch = storage.hints(target, BATCH)) {
      batch.forEach(storage::deleteHint);
      n += batch.size();
    }
    pending.remove(target);
    oldestCreated.remove(target);
    dropped.remove(target);
    counters.hintsDropped(target, NodeCounters.HintDrop.TARGET_LEFT, n);
    log.info("n{}: dropped {} hints for n{}, which left the cluster", selfId, n, target);
  }

  /** Keeps a write that {@code target} missed, unless the replica is past its bounds. */
  public void store(int target, String key, Row row) {
    if (maxHintsPerTarget == 0) {
      return; // hinted handoff is off
    }
    long count = pending.getOrDefault(target, 0L);
    if (count >= maxHintsPerTarget) {
      drop(target, NodeCounters.HintDrop.LIMIT, "it has " + count + " hints pending, the limit");
      return;
    }
    long now = clock.physicalMillis();
    if (count > 0 && now - oldestCreated(target) > window.toMillis()) {
      drop(target, NodeCounters.HintDrop.WINDOW, "it has been missing writes for longer than the hint window (" + window + ")");
      return;
    }
    storage.putHint(new Hint(target, now, sequence++, key, row));
    pending.put(target, count + 1);
    counters.hintStored(target);
    oldestCreated.putIfAbsent(target, now);
    dropped.remove(target);
  }

  /** Hints pending per replica that has any, in node order. */
  public List<PendingHints> pending() {
    List<PendingHints> list = new ArrayList<>();
    pending.forEach((target, n) -> {
      if (n > 0) {
        list.add(new PendingHints(target, n, Math.max(0, clock.physicalMillis() - oldestCreated(target))));
      }
    });
    return list;
  }

  private long oldestCreated(int target) {
    return oldestCreated.computeIfAbsent(target, t -> {
      List<Hint> oldest = storage.hints(t, 1);
      return oldest.isEmpty() ? clock.physicalMillis() : oldest.get(0).createdMillis();
    });
  }

  /** A write for {@code target} is not stored as a hint (the hint count stays as it is). */
  private void drop(int target, NodeCounters.HintDrop reason, String why) {
    counters.hintsDropped(target, reason, 1);
    warnOnce(target, why);
  }

  private void warnOnce(int target, String why) {
    long n = dropped.merge(target, 1L, Long::sum);
    if (n == 1) {
      // Once per outage: the replica now needs anti-entropy repair for the writes not hinted.
      log.warn("n{}: not storing hints for n{}: {}", selfId, target, why);
    }
  }

  private void sweep() {
    if (!running) {
      return;
    }
    long now = clock.monotonicNanos();
    for (Map.Entry<Integer, Long> e : pending.entrySet()) {
      int target = e.getKey();
      if (e.getValue() > 0 && !replaying.contains(target) && detector.isAlive(target, now)) {
        replaying.add(target);
        replay(target, 0, 0, clock.monotonicNanos());
      }
    }
    scheduler.schedule(SWEEP_INTERVAL, this::sweep);
  }

  /** Sends the target its hints one batch at a time, deleting each once acknowledged. */
  private void replay(int target, long replayed, long expired, long startNanos) {
    if (running && foregroundBusy.getAsBoolean()) {
      scheduler.schedule(YIELD_PAUSE, () -> replay(target, replayed, expired, startNanos));
      return;
    }
    oldestCreated.remove(target); // the batches delete oldest first: read it again when needed
    List<Hint> batch = storage.hints(target, BATCH);
    if (batch.isEmpty() || !running) {
      finish(target, replayed, expired, startNanos, null);
      return;
    }
    long now = clock.physicalMillis();
    int[] outstanding = {batch.size()};
    long[] done = {0, 0};
    boolean[] failed = {false};
    for (Hint hint : batch) {
      if (now - hint.createdMillis() > window.toMillis()) {
        remove(hint);
        done[1]++;
        counters.hintsDropped(target, NodeCounters.HintDrop.EXPIRED, 1);
        if (--outstanding[0] == 0) {
          replay(target, replayed + done[0], expired + done[1], startNanos);
        }
        continue;
      }
      transport
          .send(target, new ReplicaWriteRequest(selfId, hint.key(), hint.row()), replayTimeout)
          .whenComplete((ack, failure) -> {
            PeerFailureException refused = failure == null ? null : PeerFailureException.of(target, failure);
            if (failure == null) {
              remove(hint);
              done[0]++;
              counters.hintsReplayed(target, 1);
            } else if (refused.refused()) {
              // The replica will never take it (a timestamp beyond its clock bound, a row over its
              // limit): replaying it again would only block the hints behind it.
              remove(hint);
              done[1]++;
              counters.hintsDropped(target, NodeCounters.HintDrop.REFUSED, 1);
              warnOnce(target, "it refused a replayed write (" + refused.reason() + ")");
            } else {
              failed[0] = true;
            }
            if (--outstanding[0] == 0) {
              if (failed[0]) {
                finish(target, replayed + done[0], expired + done[1], startNanos, failure);
              } else {
                replay(target, replayed + done[0], expired + done[1], startNanos);
              }
            }
          });
    }
  }

  private void remove(Hint hint) {
    storage.deleteHint(hint);
    pending.computeIfPresent(hint.target(), (t, n) -> n <= 1 ? 0L : n - 1);
  }

  private void finish(int target, long replayed, long expired, long startNanos, Throwable failure) {
    replaying.remove(target);
    long millis = (clock.monotonicNanos() - startNanos) / 1_000_000;
    if (replayed > 0 || expired > 0) {
      log.info("n{}: replayed {} hints to n{} in {} ms{}{}", selfId, replayed, target, millis,
          expired > 0 ? ", dropped " + expired + " (older than the hint window, or refused)" : "",
          failure == null ? "" : "; stopped: " + failure.getMessage() + " (will retry)");
    }
  }
}
