package io.dialkv.core.sim;

import io.dialkv.core.time.Buggify;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;

/**
 * One event loop and one virtual clock for a whole simulated cluster. Every node's tasks, timers
 * and message deliveries are events in one queue ordered by (due time, insertion order), and all
 * randomness comes from one seeded source, so a run is exactly reproducible from its seed.
 *
 * <p>Not thread-safe: the test's thread drives it.
 */
public final class SimWorld {
  /** Virtual time starts at a fixed, realistic epoch so hybrid timestamps look like real ones. */
  static final long EPOCH_MILLIS = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private final Random random;
  private final long seed;
  private long nowNanos;
  private long sequence;
  private SplittableRandom buggifyRandom;
  private final Map<Buggify, Boolean> buggifySites = new EnumMap<>(Buggify.class);
  private final java.util.Set<Buggify> forced = java.util.EnumSet.noneOf(Buggify.class);

  public SimWorld(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
  }

  public long seed() {
    return seed;
  }

  public Random random() {
    return random;
  }

  /**
   * Turns the core's {@link Buggify} sites on for this run: each site is enabled with a chance of
   * one in four when first reached, and an enabled site fires at one in four of its calls, both
   * drawn from a source seeded by the run's seed (not the world's, so that a run without it
   * times every message as before).
   */
  public void enableBuggify() {
    buggifyRandom = new SplittableRandom(seed ^ 0xB0661F1EDL);
  }

  /** The sites reached in this run and whether each was enabled, in site order (empty when off). */
  public Map<Buggify, Boolean> buggifiedSites() {
    return new TreeMap<>(buggifySites);
  }

  /** Makes the given sites fire at every call from now on: what a test of one site asks for. */
  public void forceBuggify(Buggify... sites) {
    forced.addAll(java.util.List.of(sites));
  }

  boolean buggify(Buggify site) {
    if (forced.contains(site)) {
      return true;
    }
    if (buggifyRandom == null) {
      return false;
    }
    boolean enabled = buggifySites.computeIfAbsent(site, s -> buggifyRandom.nextInt(4) == 0);
    return enabled && buggifyRandom.nextInt(4) == 0;
  }

  public long nowNanos() {
    return nowNanos;
  }

  void at(long dueNanos, Runnable task) {
    queue.add(new Event(Math.max(dueNanos, nowNanos), sequence++, task));
  }

  /**
   * Runs the task after the delay of virtual time. Nodes reach the queue through their {@link
   * SimScheduler}; this is for what drives them: simulated clients and faults.
   */
  public void after(Duration delay, Runnable task) {
    at(nowNanos + delay.toNanos(), task);
  }

  /** Runs one event; returns false if there was none. */
  public boolean step() {
    Event event = queue.poll();
    if (event == null) {
      return false;
    }
    nowNanos = event.dueNanos;
    event.task.run();
    return true;
  }

  /** Runs events until the condition holds; fails if virtual time passes {@code limit} first. */
  public void runUntil(BooleanSupplier condition, Duration limit) {
    long deadline = nowNanos + limit.toNanos();
    while (!condition.getAsBoolean()) {
      Event next = queue.peek();
      if (next == null || next.dueNanos > deadline) {
        throw new IllegalStateException(
            "condition not met within " + limit + " of virtual time (seed " + seed + ")");
      }
      step();
    }
  }

  /** Runs every event due within the next {@code duration} of virtual time. */
  public void runFor(Duration duration) {
    long until = nowNanos + duration.toNanos();
    while (!queue.isEmpty() && queue.peek().dueNanos <= until) {
      step();
    }
    nowNanos = Math.max(nowNanos, until);
  }

  private record Event(long dueNanos, long seq, Runnable task) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int byTime = Long.compare(dueNanos, o.dueNanos);
      return byTime != 0 ? byTime : Long.compare(seq, o.seq);
    }
  }
}
