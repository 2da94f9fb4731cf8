package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.paxos.PaxosTrace;
import io.dialkv.core.time.Timestamp;
import java.util.List;

/**
 * Where an answer came from. dialkv returns this with every response so a client can see what its
 * consistency level bought: who answered, what each replica had, whether they disagreed, whether
 * the coordinator repaired them and whether a newer value existed elsewhere.
 *
 * @param coordinator the node that coordinated the request (for a linearizable operation, the
 *     key's preferred proposer, which ran its Paxos round, whichever node the client called)
 * @param consistency the level applied
 * @param replicas the key's replicas in ring order (for a write or a linearizable operation while a
 *     member joins or leaves, followed by its pending replicas, which the write goes to as well)
 * @param required how many replicas the level needed
 * @param alive replicas the failure detector considered alive
 * @param replies what each replica that answered said
 * @param disagreed whether the replies held different data
 * @param readRepaired replicas brought up to date before the answer returned
 * @param possiblyStale whether some replica held newer data than the answer
 * @param writeTimestamp the timestamp a write was given (null for reads)
 * @param paxos ballot, rounds, promises and acceptances of a linearizable operation (else null)
 * @param superseded for a write: some replica already held newer data for the written cells, so
 *     there the write lost last-write-wins and changed nothing (that reply's timestamp is the newer
 *     data's, and it is marked ahead of the result)
 */
public record Provenance(
    int coordinator,
    Consistency consistency,
    List<Integer> replicas,
    int required,
    List<Integer> alive,
    List<ReplicaReply> replies,
    boolean disagreed,
    List<Integer> readRepaired,
    boolean possiblyStale,
    Timestamp writeTimestamp,
    PaxosTrace paxos,
    boolean superseded) {

  public Provenance {
    replicas = List.copyOf(replicas);
    alive = List.copyOf(alive);
    replies = List.copyOf(replies);
    readRepaired = List.copyOf(readRepaired);
  }

  /** A read's or linearizable operation's provenance (nothing to supersede). */
  public Provenance(int coordinator, Consistency consistency, List<Integer> replicas, int required,
      List<Integer> alive, List<ReplicaReply> replies, boolean disagreed, List<Integer> readRepaired,
      boolean possiblyStale, Timestamp writeTimestamp, PaxosTrace paxos) {
    this(coordinator, consistency, replicas, required, alive, replies, disagreed, readRepaired, possiblyStale,
        writeTimestamp, paxos, false);
  }
}
