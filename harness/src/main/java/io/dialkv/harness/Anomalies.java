package io.dialkv.harness;

import io.dialkv.checker.history.Operation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Anomaly counts for the weaker levels, over a register history in which every write writes a
 * unique value (0 is the initial value). "Definitely before" means in real time: one operation
 * completed before the other was invoked (the history records events in the order they happen,
 * so positions in it order them).
 *
 * <ul>
 *   <li>stale read: a read returned a value that had definitely been overwritten (by a write that
 *       completed) before the read began;
 *   <li>lost acknowledged write: an acknowledged write that definitely followed the write whose
 *       value the final read returned, so it should have superseded it but vanished;
 *   <li>read-your-writes violation: a client read, after its own acknowledged write, a value
 *       definitely older than that write;
 *   <li>monotonic-read violation: a client read a value definitely older than one it had read
 *       before.
 * </ul>
 *
 * @param staleReads count of stale reads
 * @param lostWrites count of lost acknowledged writes
 * @param readYourWrites count of read-your-writes violations
 * @param monotonicReads count of monotonic-read violations
 * @param examples a few of each, described
 */
public record Anomalies(int staleReads, int lostWrites, int readYourWrites, int monotonicReads, List<String> examples) {

  /** A write's real-time interval; the initial value is a write that ended before everything. */
  private record Interval(long invoke, long complete) {
    static final Interval INITIAL = new Interval(Long.MIN_VALUE, Long.MIN_VALUE);

    boolean definitelyBefore(Interval other) {
      return complete < other.invoke;
    }
  }

  /**
   * @param operations the level's client operations
   * @param finalValues each key's value as read after the heal (0 if absent)
   */
  public static Anomalies find(List<Operation> operations, Map<Object, Long> finalValues) {
    Map<Object, Map<Long, Interval>> writes = new HashMap<>();
    Map<Object, List<Operation>> byKey = new HashMap<>();
    for (Operation op : operations) {
      byKey.computeIfAbsent(op.key(), k -> new ArrayList<>()).add(op);
      if (writes(op)) {
        writes.computeIfAbsent(op.key(), k -> new HashMap<>()).put(written(op), interval(op));
      }
    }
    int stale = 0;
    int lost = 0;
    int ryw = 0;
    int monotonic = 0;
    List<String> examples = new ArrayList<>();
    for (Map.Entry<Object, List<Operation>> e : byKey.entrySet()) {
      Object key = e.getKey();
      Map<Long, Interval> w = writes.getOrDefault(key, Map.of());
      List<Operation> acked = e.getValue().stream()
          .filter(op -> writes(op) && !op.indeterminate()).toList();
      List<Operation> reads = e.getValue().stream()
          .filter(op -> op.f().equals("read") && !op.indeterminate() && op.output() != null).toList();
      for (Operation read : reads) {
        Interval seen = written(w, read.output());
        Interval r = interval(read);
        for (Operation write : acked) {
          Interval later = interval(write);
          if (later.definitelyBefore(r) && seen.definitelyBefore(later)) {
            stale++;
            note(examples, "stale read: " + read + " although " + write + " had completed");
            break;
          }
        }
      }
      Long last = finalValues.get(key);
      if (last != null) {
        Interval survivor = written(w, last);
        for (Operation write : acked) {
          if (survivor.definitelyBefore(interval(write))) {
            lost++;
            note(examples, "lost write: " + write + " acknowledged, but the final value of " + key + " is " + last);
          }
        }
      }
      Map<Object, List<Operation>> byProcess = new HashMap<>();
      for (Operation op : e.getValue()) {
        if (!op.indeterminate()) {
          byProcess.computeIfAbsent(op.process(), p -> new ArrayList<>()).add(op);
        }
      }
      for (List<Operation> session : byProcess.values()) {
        Operation ownWrite = null;
        Operation lastRead = null;
        for (Operation op : session) { // a process's operations are sequential
          if (writes(op)) {
            ownWrite = op;
          } else if (op.output() != null) {
            Interval seen = written(w, op.output());
            if (ownWrite != null && seen.definitelyBefore(interval(ownWrite))) {
              ryw++;
              note(examples, "read-your-writes: " + op + " after its own " + ownWrite);
            }
            if (lastRead != null && !Objects.equals(lastRead.output(), op.output())
                && seen.definitelyBefore(written(w, lastRead.output()))) {
              monotonic++;
              note(examples, "monotonic reads: " + op + " after " + lastRead);
            }
            lastRead = op;
          }
        }
      }
    }
    return new Anomalies(stale, lost, ryw, monotonic, examples);
  }

  /** Writes and compare-and-sets (which write their second value) both install a value. */
  private static boolean writes(Operation op) {
    return op.f().equals("write") || op.f().equals("cas");
  }

  private static long written(Operation op) {
    Object v = op.f().equals("cas") ? ((List<?>) op.input()).get(1) : op.input();
    return ((Number) v).longValue();
  }

  private static Interval written(Map<Long, Interval> writes, Object value) {
    long v = ((Number) value).longValue();
    return v == 0 ? Interval.INITIAL : writes.getOrDefault(v, Interval.INITIAL);
  }

  private static Interval interval(Operation op) {
    return new Interval(op.callIndex(), op.returnIndex());
  }

  private static void note(List<String> examples, String example) {
    if (examples.size() < 20) {
      examples.add(example);
    }
  }
}
