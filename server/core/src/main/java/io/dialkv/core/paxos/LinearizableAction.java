package io.dialkv.core.paxos;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import io.dialkv.core.time.Timestamp;
import java.util.Arrays;

/**
 * What a linearizable operation does with the row it finds: a description rather than code, so
 * that a coordinator can hand the operation to the key's preferred proposer on another node.
 */
public sealed interface LinearizableAction {
  /** The update to commit, stamped with {@code ballot}, or null to change nothing. */
  Row decide(Row current, Timestamp ballot);

  /** Whether the action never changes anything: then its prepares promise nothing. */
  default boolean readsOnly() {
    return false;
  }

  /** Reads the row as it is. */
  record Read() implements LinearizableAction {
    @Override
    public Row decide(Row current, Timestamp ballot) {
      return null;
    }

    @Override
    public boolean readsOnly() {
      return true;
    }
  }

  /** Applies the mutation, whatever the row holds. */
  record Write(Mutation mutation) implements LinearizableAction {
    @Override
    public Row decide(Row current, Timestamp ballot) {
      return mutation.at(ballot);
    }
  }

  /**
   * Sets a plain key's value to {@code newValue} if it holds {@code expected}, or is absent when
   * {@code expected} is null.
   */
  record CompareAndSet(byte[] expected, byte[] newValue) implements LinearizableAction {
    @Override
    public Row decide(Row current, Timestamp ballot) {
      Cell cell = current.liveCells().get(Mutation.VALUE_CELL);
      boolean matches = expected == null ? cell == null : cell != null && Arrays.equals(cell.valueUnsafe(), expected);
      return matches ? Mutation.put(newValue).at(ballot) : null;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CompareAndSet c && Arrays.equals(expected, c.expected) && Arrays.equals(newValue, c.newValue);
    }

    @Override
    public int hashCode() {
      return 31 * Arrays.hashCode(expected) + Arrays.hashCode(newValue);
    }

    @Override
    public String toString() {
      return "CompareAndSet[" + (expected == null ? "absent" : expected.length + " bytes") + " -> "
          + newValue.length + " bytes]";
    }
  }
}
