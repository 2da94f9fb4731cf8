package io.dialkv.checker;

/** What the linearizability search concluded. */
public enum Verdict {
  /** Some order of the operations, consistent with real time, is legal. */
  LINEARIZABLE,
  /** No such order exists. */
  NOT_LINEARIZABLE,
  /** The search ran out of its time or step budget before deciding. */
  UNKNOWN
}
