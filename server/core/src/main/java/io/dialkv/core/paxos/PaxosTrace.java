package io.dialkv.core.paxos;

import io.dialkv.core.time.Timestamp;
import java.util.List;

/**
 * How a linearizable operation went: the ballot that won, the prepare rounds it took (more than
 * one means contention or an unfinished proposal to complete first), and which replicas promised
 * and accepted in the final round.
 */
public record PaxosTrace(Timestamp ballot, int rounds, List<Integer> promised, List<Integer> accepted) {
  public PaxosTrace {
    promised = List.copyOf(promised);
    accepted = List.copyOf(accepted);
  }
}
