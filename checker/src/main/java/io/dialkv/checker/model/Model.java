package io.dialkv.checker.model;

import io.dialkv.checker.history.Operation;

/**
 * A sequential specification: what a single copy of the object would do. The checker asks whether
 * some order of the history's operations, consistent with real time, is legal under it.
 *
 * <p>States must be immutable values with {@code equals} and {@code hashCode}: the checker
 * memoises (linearized set, state) pairs.
 */
public interface Model {
  /** Returned by {@link #step} when the operation cannot happen in that state. */
  Object ILLEGAL = new Object() {
    @Override
    public String toString() {
      return "ILLEGAL";
    }
  };

  String name();

  Object initialState();

  /**
   * The state after the operation, or {@link #ILLEGAL} if the operation, with the output it was
   * observed to return, cannot happen in {@code state}. An indeterminate operation has no observed
   * output and is applied as if it succeeded.
   */
  Object step(Object state, Operation op);

  /** Whether operations on different keys are independent, so each key can be checked alone. */
  default boolean partitionByKey() {
    return false;
  }

  /** Whether the operation never changes the state (an indeterminate one can then be dropped). */
  boolean readOnly(Operation op);
}
