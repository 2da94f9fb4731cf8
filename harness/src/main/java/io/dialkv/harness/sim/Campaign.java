package io.dialkv.harness.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * Many seeds, side by side on every core: each seed is one {@link Simulation}, single-threaded, so
 * the seeds spread over a pool without sharing anything. Collects the failures (a broken promise,
 * or a run that threw) with what replays each.
 */
public final class Campaign {
  /** A seed that broke a promise or could not run, and the command that replays it. */
  public record Failure(long seed, String nemesis, String replay, List<String> violations) {}

  /** What a campaign did. */
  public record Summary(
      long seeds,
      long simulatedNanos,
      long realNanos,
      List<Failure> failures,
      Map<String, Long> seedsByNemesis,
      Map<String, Long> allowedByLevel,
      Map<String, Map<String, Tally>> byNemesisAndLevel) {

    /**
     * One row per nemesis, one column per level: how many seeds showed an anomaly the level allows
     * and, after a "!", how many broke its promise (a level counts once per seed, registers and
     * profiles together).
     */
    public String table() {
      StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-24s %8s", "nemesis", "seeds"));
      for (String level : LEVELS) {
        out.append(String.format(Locale.ROOT, " %14s", level));
      }
      out.append('\n');
      for (var row : seedsByNemesis.entrySet()) {
        out.append(String.format(Locale.ROOT, "%-24s %,8d", row.getKey(), row.getValue()));
        Map<String, Tally> levels = byNemesisAndLevel.getOrDefault(row.getKey(), Map.of());
        for (String level : LEVELS) {
          Tally t = levels.getOrDefault(level, new Tally(0, 0));
          out.append(String.format(Locale.ROOT, " %14s",
              String.format(Locale.ROOT, "%,d", t.allowed()) + (t.violations() == 0 ? "" : " !" + t.violations())));
        }
        out.append('\n');
      }
      return out.toString();
    }
  }

  /** Seeds of one nemesis at one level: showing allowed anomalies, and breaking the promise. */
  public record Tally(long allowed, long violations) {
    Tally plus(Tally other) {
      return new Tally(allowed + other.allowed, violations + other.violations);
    }
  }

  /** The table's columns; "other" holds a run that failed before any level was judged. */
  static final List<String> LEVELS = List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE", "other");

  /** Progress as the seeds finish: seeds done, failures so far. */
  public record Progress(long done, long total, long failures, long realNanos) {}

  private Campaign() {}

  /** One seed; its failure, if any, is added to {@code failures} and passed to {@code onFailure}. */
  private static void runOne(long seed, Simulation.Options options, AtomicLong simulated, List<Failure> failures,
      Map<String, Long> byNemesis, Map<String, Long> allowed, Map<String, Map<String, Tally>> byLevel,
      Consumer<Failure> onFailure) {
    Failure failure = null;
    Map<String, Tally> tallies = new TreeMap<>();
    try {
      Simulation.Result result = Simulation.run(options);
      simulated.addAndGet(result.simulatedNanos());
      if (!result.violations().isEmpty()) {
        failure = new Failure(seed, options.nemesis(), options.replayCommand(), result.violations());
      }
      // Per seed, each level (or level's profiles) counted once, however many anomalies it showed.
      Set<String> showing = new TreeSet<>();
      for (String a : result.allowed()) {
        showing.add(a.substring(0, a.indexOf(':')));
      }
      synchronized (allowed) {
        showing.forEach(level -> allowed.merge(level, 1L, Long::sum));
      }
      showing.forEach(what -> tallies.put(levelOf(what), new Tally(1, 0)));
      for (String v : result.violations()) {
        tallies.merge(levelOf(v), new Tally(0, 1), (a, b) -> new Tally(a.allowed(), 1));
      }
    } catch (RuntimeException | AssertionError e) {
      failure = new Failure(seed, options.nemesis(), options.replayCommand(), List.of("the run failed: " + e));
      tallies.put("other", new Tally(0, 1));
    }
    synchronized (failures) {
      byNemesis.merge(options.nemesis(), 1L, Long::sum);
      Map<String, Tally> row = byLevel.computeIfAbsent(options.nemesis(), n -> new TreeMap<>());
      tallies.forEach((level, t) -> row.merge(level, t, Tally::plus));
      if (failure != null) {
        failures.add(failure);
        onFailure.accept(failure);
      }
    }
  }

  /**
   * Runs {@code count} seeds from {@code from}: seed {@code s} with the options {@code optionsOf}
   * gives it, on {@code threads} threads.
   */
  public static Summary run(long from, long count, int threads, LongFunction<Simulation.Options> optionsOf,
      Consumer<Progress> progress, Consumer<Failure> onFailure) throws InterruptedException {
    long start = System.nanoTime();
    AtomicLong done = new AtomicLong();
    AtomicLong simulated = new AtomicLong();
    List<Failure> failures = new ArrayList<>();
    Map<String, Long> byNemesis = new TreeMap<>();
    Map<String, Long> allowed = new TreeMap<>();
    Map<String, Map<String, Tally>> byLevel = new TreeMap<>();
    ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
      Thread t = new Thread(r, "simulate");
      t.setDaemon(true);
      return t;
    });
    // A few seeds queued per thread, not all of them: a campaign of millions holds no more.
    Semaphore queued = new Semaphore(threads * 4);
    AtomicReference<Throwable> broken = new AtomicReference<>();
    try {
      for (long s = from; s < from + count && broken.get() == null; s++) {
        long seed = s;
        queued.acquire();
        pool.execute(() -> {
          try {
            runOne(seed, optionsOf.apply(seed), simulated, failures, byNemesis, allowed, byLevel, onFailure);
            long finished;
            long failed;
            synchronized (failures) {
              finished = done.incrementAndGet();
              failed = failures.size();
            }
            progress.accept(new Progress(finished, count, failed, System.nanoTime() - start));
          } catch (Throwable t) {
            broken.compareAndSet(null, t);
          } finally {
            queued.release();
          }
        });
      }
      queued.acquire(threads * 4); // every seed has finished
      if (broken.get() != null) {
        throw new IllegalStateException("a simulation thread failed", broken.get());
      }
    } finally {
      pool.shutdownNow();
    }
    failures.sort(java.util.Comparator.comparingLong(Failure::seed));
    return new Summary(count, simulated.get(), System.nanoTime() - start, List.copyOf(failures),
        Collections.unmodifiableMap(byNemesis), Collections.unmodifiableMap(allowed), // in name order
        Collections.unmodifiableMap(byLevel));
  }

  /** The level a verdict line speaks of ("QUORUM profiles: …" is QUORUM's), or "other". */
  static String levelOf(String verdict) {
    int space = verdict.indexOf(' ');
    int colon = verdict.indexOf(':');
    int end = space < 0 ? colon : colon < 0 ? space : Math.min(space, colon);
    String first = end < 0 ? verdict : verdict.substring(0, end);
    return LEVELS.contains(first) ? first : "other";
  }
}
