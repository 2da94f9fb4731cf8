package io.dialkv.checker;

import io.dialkv.checker.history.Operation;
import java.util.List;

/**
 * Why a history is not linearizable, taken from the deepest point the search reached: the longest
 * legal order it found ({@code linearized}, with the state after each), the operation whose
 * completion it could not get past ({@code blocked}), and the operations that were still open
 * then, none of which could be placed next.
 *
 * @param key the key whose operations failed (null for single-object histories)
 * @param linearized the operations of the longest legal order found, in that order
 * @param states the model state after each of them ({@code states.get(0)} is the initial state)
 * @param blocked the operation that had to take effect before its completion but could not
 * @param pending the open operations at that point, including {@code blocked}
 */
public record Counterexample(
    Object key,
    List<Operation> linearized,
    List<Object> states,
    Operation blocked,
    List<Operation> pending) {

  /** A short human-readable account, with only the last few steps of the legal prefix. */
  public String describe() {
    StringBuilder b = new StringBuilder();
    if (key != null) {
      b.append("key ").append(key).append(": ");
    }
    b.append("after ").append(linearized.size()).append(" operations in a legal order, state ")
        .append(states.get(states.size() - 1)).append(",\n");
    b.append("  no open operation can take effect before ").append(blocked).append(" completes:\n");
    for (Operation op : pending) {
      b.append("    ").append(op).append('\n');
    }
    int from = Math.max(0, linearized.size() - 5);
    if (!linearized.isEmpty()) {
      b.append("  last steps of the legal order:\n");
      for (int i = from; i < linearized.size(); i++) {
        b.append("    ").append(linearized.get(i)).append("  => ").append(states.get(i + 1)).append('\n');
      }
    }
    return b.toString();
  }
}
