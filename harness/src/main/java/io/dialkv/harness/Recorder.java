package io.dialkv.harness;

import io.dialkv.checker.edn.Keyword;
import io.dialkv.checker.history.Op;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Records a run's history as it happens: client invocations and completions, and nemesis events,
 * in the order they occur, with times in nanoseconds since the start of the run. Thread-safe.
 */
public final class Recorder {
  private final LongSupplier clock;
  private final long startNanos;
  private final List<Op> events = new ArrayList<>();

  /** Times from the system's monotonic clock. */
  public Recorder() {
    this(System::nanoTime);
  }

  /** Times from the given clock in nanoseconds (a simulation's virtual time). */
  public Recorder(LongSupplier clock) {
    this.clock = clock;
    this.startNanos = clock.getAsLong();
  }

  public long now() {
    return clock.getAsLong() - startNanos;
  }

  /**
   * Records an event; {@code level} (e.g. QUORUM) goes into the op as {@code :level}, the node the
   * client talks to (0 for none in particular) as {@code :node}, an error kind as {@code :error},
   * and the workload, unless it is the register workload, as {@code :workload}.
   */
  public synchronized Op record(Object process, Op.Type type, String f, String key, Object value, String level,
      int node, String error, String workload) {
    Map<Object, Object> extra = new LinkedHashMap<>();
    if (workload != null) {
      extra.put(Keyword.of("workload"), Keyword.of(workload));
    }
    if (level != null) {
      extra.put(Keyword.of("level"), Keyword.of(level));
    }
    if (node > 0) {
      extra.put(Keyword.of("node"), (long) node);
    }
    if (error != null) {
      extra.put(Keyword.of("error"), error);
    }
    Op op = new Op(process, type, f, key, value, now(), extra);
    events.add(op);
    return op;
  }

  public synchronized void nemesis(Op.Type type, String f, String what) {
    events.add(new Op(Op.NEMESIS, type, f, null, what, now(), Map.of()));
  }

  public synchronized List<Op> events() {
    return List.copyOf(events);
  }
}
