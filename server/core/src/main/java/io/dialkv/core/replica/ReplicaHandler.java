package io.dialkv.core.replica;

import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosAcceptor;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.HeartbeatResponse;
import io.dialkv.core.transport.PeerHandler;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaReadResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.ReplicaWriteResponse;

/**
 * A node in its role as a replica: merges the writes it is sent into its storage, answers reads
 * with what it holds, and acts as a Paxos acceptor for linearizable operations. Runs on the node's event loop, so read-merge-write needs no lock.
 */
public final class ReplicaHandler implements PeerHandler {
  private final int selfId;
  private final Storage storage;
  private final HybridClock hlc;
  private final PaxosAcceptor acceptor;

  public ReplicaHandler(int selfId, Storage storage, HybridClock hlc) {
    this.selfId = selfId;
    this.storage = storage;
    this.hlc = hlc;
    this.acceptor = new PaxosAcceptor(selfId, storage, hlc, (key, proposal) -> apply(key, proposal.update()));
  }

  @Override
  @SuppressWarnings("unchecked") // each request type is answered by its own response type
  public <R extends PeerResponse> R handle(PeerRequest<R> request) {
    if (request instanceof ReplicaWriteRequest write) {
      apply(write.key(), write.mutation());
      return (R) new ReplicaWriteResponse(selfId);
    }
    if (request instanceof ReplicaReadRequest read) {
      return (R) new ReplicaReadResponse(selfId, read(read.key()));
    }
    if (request instanceof PrepareRequest prepare) {
      return (R) acceptor.prepare(prepare);
    }
    if (request instanceof ProposeRequest propose) {
      return (R) acceptor.propose(propose);
    }
    if (request instanceof CommitRequest commit) {
      return (R) acceptor.commit(commit);
    }
    if (request instanceof HeartbeatRequest heartbeat) {
      hlc.observe(heartbeat.clock());
      return (R) new HeartbeatResponse(selfId, hlc.latest());
    }
    throw new IllegalArgumentException("unknown request " + request);
  }

  /** Merges the mutation into the stored row; durable when this returns. Idempotent. */
  public void apply(String key, Row mutation) {
    hlc.observe(mutation.newestTimestamp());
    Row current = storage.get(key).orElse(Row.EMPTY);
    Row merged = current.merge(mutation);
    if (!merged.equals(current)) {
      storage.put(key, merged);
    }
  }

  public Row read(String key) {
    return storage.get(key).orElse(Row.EMPTY);
  }
}
