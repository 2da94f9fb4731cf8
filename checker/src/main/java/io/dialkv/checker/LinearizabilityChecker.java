package io.dialkv.checker;

import io.dialkv.checker.history.Operation;
import io.dialkv.checker.model.Model;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides whether a history is linearizable with respect to a model, by the depth-first search of
 * Wing and Gong (1993) with Lowe's memoisation of (set of linearized operations, state) pairs
 * ("Testing for linearizability", 2017), as Knossos and Porcupine do.
 *
 * <p>Operations whose outcome is unknown (a {@code :info} completion or none) return "at infinity":
 * they may be placed anywhere after their invocation, and may be left out altogether, since once
 * every determinate operation is placed the search succeeds. For models whose keys are independent
 * the history is split by key and each key checked alone (P-compositionality), which is what makes
 * large histories tractable.
 *
 * <p>The search has a budget of time and steps; when it runs out the verdict is {@link
 * Verdict#UNKNOWN}, never a guess.
 */
public final class LinearizabilityChecker {
  private final Duration timeBudget;
  private final long stepBudget;

  /**
   * @param timeBudget wall time after which the verdict is UNKNOWN
   * @param stepBudget search steps after which the verdict is UNKNOWN
   */
  public LinearizabilityChecker(Duration timeBudget, long stepBudget) {
    this.timeBudget = timeBudget;
    this.stepBudget = stepBudget;
  }

  public static LinearizabilityChecker withDefaults() {
    return new LinearizabilityChecker(Duration.ofSeconds(60), 200_000_000L);
  }

  public CheckResult check(List<Operation> operations, Model model) {
    long start = System.nanoTime();
    long deadline = start + timeBudget.toNanos();
    Map<Object, List<Operation>> partitions = new LinkedHashMap<>();
    for (Operation op : operations) {
      if (op.indeterminate() && model.readOnly(op)) {
        continue; // an unanswered read cannot constrain anything
      }
      Object key = model.partitionByKey() ? op.key() : null;
      partitions.computeIfAbsent(key, k -> new ArrayList<>()).add(op);
    }
    // Search every key in turn, a slice of steps at a time, and stop at the first key that is not
    // linearizable: one bad key decides the history, and it is often found long before a hard
    // (but linearizable, or merely slow) key would finish. Single-threaded and deterministic.
    List<Search> active = new ArrayList<>();
    partitions.forEach((key, ops) -> active.add(new Search(key, ops, model)));
    long steps = 0;
    while (!active.isEmpty()) {
      for (java.util.Iterator<Search> it = active.iterator(); it.hasNext(); ) {
        Search search = it.next();
        long before = search.steps;
        Verdict v = search.run(Math.min(SLICE_STEPS, Math.max(0, stepBudget - steps)));
        steps += search.steps - before;
        if (v == Verdict.NOT_LINEARIZABLE) {
          return new CheckResult(v, operations.size(), partitions.size(), steps, since(start), search.counterexample(), null);
        }
        if (v == Verdict.LINEARIZABLE) {
          it.remove();
        }
      }
      if (!active.isEmpty() && (steps >= stepBudget || System.nanoTime() > deadline)) {
        // Out of budget with keys still undecided (and none found non-linearizable): say so.
        Object key = active.get(0).key;
        return new CheckResult(Verdict.UNKNOWN, operations.size(), partitions.size(), steps, since(start), null,
            key == null ? "(all)" : key);
      }
    }
    return new CheckResult(Verdict.LINEARIZABLE, operations.size(), partitions.size(), steps, since(start), null, null);
  }

  private static final long SLICE_STEPS = 20_000;

  private static Duration since(long startNanos) {
    return Duration.ofNanos(System.nanoTime() - startNanos);
  }

  /** One event in the search's doubly linked list: an operation's call or its return. */
  private static final class Entry {
    final Operation op;
    final int id;
    final boolean call;
    Entry match;
    Entry prev;
    Entry next;

    Entry(Operation op, int id, boolean call) {
      this.op = op;
      this.id = id;
      this.call = call;
    }
  }

  private record Frame(Entry call, Object stateBefore) {}

  private record Memo(BitSet linearized, Object state) {}

  /** The search over one partition; it can be run a slice of steps at a time. */
  private static final class Search {
    private final Object key;
    private final List<Operation> ops;
    private final Model model;
    private final Entry head = new Entry(null, -1, false);
    private final Set<Memo> seen = new HashSet<>();
    private final ArrayDeque<Frame> stack = new ArrayDeque<>();
    private Object state;
    private BitSet linearized;
    private int required;
    private Entry entry;
    long steps;
    // The deepest point reached, for the counterexample.
    private int bestDepth = -1;
    private List<Frame> bestPath = List.of();
    private Entry bestBlocked;
    private List<Operation> bestPending = List.of();

    Search(Object key, List<Operation> ops, Model model) {
      this.key = key;
      this.ops = ops;
      this.model = model;
      buildList();
      state = model.initialState();
      linearized = new BitSet(ops.size());
      required = (int) ops.stream().filter(op -> !op.indeterminate()).count();
      entry = head.next;
    }

    /** Runs up to {@code slice} more steps; null if still undecided. */
    Verdict run(long slice) {
      long stop = steps + slice;
      while (required > 0) {
        if (steps++ >= stop) {
          return null;
        }
        if (entry.call) {
          Object next = model.step(state, entry.op);
          if (next != Model.ILLEGAL) {
            BitSet candidate = (BitSet) linearized.clone();
            candidate.set(entry.id);
            if (seen.add(new Memo(candidate, next))) {
              stack.push(new Frame(entry, state));
              state = next;
              linearized = candidate;
              if (!entry.op.indeterminate()) {
                required--;
              }
              lift(entry);
              entry = head.next;
              continue;
            }
          }
          entry = entry.next;
        } else {
          // A completion reached before its operation could be placed: undo the last choice.
          if (stack.size() > bestDepth) {
            remember(entry);
          }
          if (stack.isEmpty()) {
            return Verdict.NOT_LINEARIZABLE;
          }
          Frame top = stack.pop();
          state = top.stateBefore();
          linearized = (BitSet) linearized.clone();
          linearized.clear(top.call().id);
          if (!top.call().op.indeterminate()) {
            required++;
          }
          unlift(top.call());
          entry = top.call().next;
        }
      }
      return Verdict.LINEARIZABLE;
    }

    private void buildList() {
      List<Entry> events = new ArrayList<>(ops.size() * 2);
      for (int i = 0; i < ops.size(); i++) {
        Entry call = new Entry(ops.get(i), i, true);
        Entry ret = new Entry(ops.get(i), i, false);
        call.match = ret;
        events.add(call);
        events.add(ret);
      }
      events.sort(
          Comparator.comparingLong((Entry e) -> e.call ? e.op.callIndex() : e.op.returnIndex())
              .thenComparingInt(e -> e.op.callIndex())
              .thenComparing(e -> !e.call));
      Entry prev = head;
      for (Entry e : events) {
        prev.next = e;
        e.prev = prev;
        prev = e;
      }
    }

    private static void lift(Entry call) {
      call.prev.next = call.next;
      call.next.prev = call.prev;
      Entry ret = call.match;
      ret.prev.next = ret.next;
      if (ret.next != null) {
        ret.next.prev = ret.prev;
      }
    }

    private static void unlift(Entry call) {
      Entry ret = call.match;
      ret.prev.next = ret;
      if (ret.next != null) {
        ret.next.prev = ret;
      }
      call.prev.next = call;
      call.next.prev = call;
    }

    private void remember(Entry blockedReturn) {
      bestDepth = stack.size();
      List<Frame> path = new ArrayList<>(stack);
      java.util.Collections.reverse(path);
      bestPath = path;
      bestBlocked = blockedReturn;
      List<Operation> pending = new ArrayList<>();
      for (Entry e = head.next; e != null && e != blockedReturn; e = e.next) {
        if (e.call) {
          pending.add(e.op);
        }
      }
      bestPending = pending;
    }

    Counterexample counterexample() {
      List<Operation> linearized = new ArrayList<>();
      List<Object> states = new ArrayList<>();
      states.add(model.initialState());
      for (int i = 0; i < bestPath.size(); i++) {
        Frame f = bestPath.get(i);
        linearized.add(f.call().op);
        states.add(i + 1 < bestPath.size() ? bestPath.get(i + 1).stateBefore() : null);
      }
      if (!bestPath.isEmpty()) {
        // The state after the last placed operation.
        Frame last = bestPath.get(bestPath.size() - 1);
        states.set(states.size() - 1, model.step(last.stateBefore(), last.call().op));
      }
      return new Counterexample(key, linearized, states, bestBlocked.op, bestPending);
    }
  }
}
