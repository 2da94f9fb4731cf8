package io.dialkv.core.transport;

import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosTrace;

/**
 * How a handed-on linearizable operation ended at the proposer that ran it.
 *
 * @param outcome whether it completed, and if not, what its failure means for the client
 * @param message the proposer's description of a failure (empty when it completed)
 * @param before the row as the operation found it (completed operations only)
 * @param applied whether it changed the row (completed operations only)
 * @param trace the Paxos round that decided it (completed operations only)
 */
public record LinearizableResponse(
    int nodeId, Outcome outcome, String message, Row before, boolean applied, PaxosTrace trace)
    implements PeerResponse {

  /** What became of the operation. */
  public enum Outcome {
    /** Decided: {@code before}, {@code applied} and {@code trace} say how. */
    COMPLETED,
    /** Too few replicas alive, or they refused it (a clock bound): nothing was applied. */
    UNAVAILABLE,
    /** Competing proposers, or a queue full or too slow: nothing was applied. */
    CONTENTION,
    /** The value was proposed and may have been applied. */
    INDETERMINATE,
    /** The request breaks a limit: nothing was applied. */
    INVALID
  }
}
