package io.dialkv.core.coordinator;

import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.transport.PeerFailureException;
import java.util.List;

/**
 * Enough replicas refused the request that the level cannot be met, for a reason that is not the
 * request's fault: this coordinator's clock (or theirs) is beyond the clock bound, or they do not
 * admit it. Nothing was applied; another coordinator may succeed.
 */
public final class ReplicasRefusedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ReplicasRefusedException(String message) {
    super(message, null, false, false);
  }

  /**
   * What a client is told when refusals alone made the level impossible: invalid if the replicas
   * found the request itself wrong, else this exception.
   */
  static RuntimeException of(String what, List<PeerFailureException> refusals) {
    String message = what + " refused by " + Nodes.names(refusals.stream().map(PeerFailureException::nodeId).toList())
        + ": " + refusals.get(0).reason() + "; nothing was applied";
    return refusals.stream().allMatch(r -> r.refusal() == PeerFailureException.Refusal.INVALID)
        ? new InvalidRequestException(message)
        : new ReplicasRefusedException(message);
  }
}
