package io.dialkv.core.paxos;

import io.dialkv.core.data.Row;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.CommitResponse;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.PrepareResponse;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.ProposeResponse;

/**
 * A replica's side of single-decree Paxos per key (Lamport, "Paxos Made Simple", 2001). State is
 * written to storage before each answer, so a promise or an acceptance survives a crash.
 * Runs on the node's event loop.
 *
 * <p>A ballot beyond the clock bound is refused before anything is stored: promised, it would
 * outbid every honest proposer for the key, durably.
 */
public final class PaxosAcceptor {
  /** Applies a committed proposal's update to the key's row. */
  public interface CommitApplier {
    void apply(int from, String key, Proposal proposal);
  }

  private final int selfId;
  private final Storage storage;
  private final HybridClock hlc;
  private final CommitApplier applyCommit;

  public PaxosAcceptor(int selfId, Storage storage, HybridClock hlc, CommitApplier applyCommit) {
    this.selfId = selfId;
    this.storage = storage;
    this.hlc = hlc;
    this.applyCommit = applyCommit;
  }

  private PaxosState state(String key) {
    return storage.getPaxos(key).orElse(PaxosState.EMPTY);
  }

  /**
   * Phase 1b: promise if the ballot is higher than any promised; report what was accepted, the
   * most recent commit and, with a promise, the row as it stands (nothing lower can be accepted
   * here after it, so the proposer may decide on it). A read-only prepare is answered the same
   * way, with nothing promised or stored.
   */
  public PrepareResponse prepare(PrepareRequest request) {
    hlc.observe(request.ballot(), request.from());
    PaxosState s = state(request.key());
    if (request.readOnly()) {
      return new PrepareResponse(selfId, true, request.ballot(), s.accepted(), s.committed(),
          storage.get(request.key()).orElse(Row.EMPTY));
    }
    if (s.promised() != null && !request.ballot().isAfter(s.promised())) {
      return new PrepareResponse(selfId, false, s.promised(), s.accepted(), s.committed(), null);
    }
    storage.putPaxos(request.key(), new PaxosState(request.ballot(), s.accepted(), s.committed()));
    return new PrepareResponse(selfId, true, request.ballot(), s.accepted(), s.committed(),
        storage.get(request.key()).orElse(Row.EMPTY));
  }

  /**
   * Phase 2b: accept unless a higher ballot was promised meanwhile. The same proposal handled
   * twice gets the same answer: "accepted", once it holds it. A refusal says whether this acceptor
   * may have accepted the proposal before (it holds one at or above its ballot; accepted ballots
   * only grow), since a proposer takes refusals from every replica as proof that its value was
   * accepted nowhere.
   *
   * <p>Asked to {@linkplain ProposeRequest#commitIfAccepted commit if it accepts}, an acceptance
   * chooses the proposal (the proposer's replica holds it too, and the two are a majority): it is
   * applied to the row and stored as accepted and committed in one state.
   */
  public ProposeResponse propose(ProposeRequest request) {
    Proposal p = request.proposal();
    hlc.observe(p.ballot(), request.from());
    hlc.observe(p.update().newestTimestamp(), request.from());
    PaxosState s = state(request.key());
    boolean holds = p.equals(s.accepted());
    if (!holds && s.promised() != null && p.ballot().isBefore(s.promised())) {
      boolean mayHaveAccepted = s.accepted() != null && !s.accepted().ballot().isBefore(p.ballot());
      return new ProposeResponse(selfId, false, s.promised(), mayHaveAccepted, false);
    }
    PaxosState next = holds ? s : new PaxosState(p.ballot(), p, s.committed());
    if (request.commitIfAccepted()) {
      next = committed(request.from(), request.key(), p, next);
    }
    if (next != s) {
      storage.putPaxos(request.key(), next);
    }
    return new ProposeResponse(selfId, true, p.ballot(), false, request.commitIfAccepted());
  }

  /** A chosen proposal: apply it to the row, remember it as the most recent commit. */
  public CommitResponse commit(CommitRequest request) {
    Proposal p = request.proposal();
    hlc.observe(p.ballot(), request.from());
    PaxosState s = state(request.key());
    PaxosState next = committed(request.from(), request.key(), p, s);
    if (next != s) {
      storage.putPaxos(request.key(), next);
    }
    return new CommitResponse(selfId);
  }

  /**
   * Applies a chosen proposal to the key's row; the state with it as the most recent commit, or
   * {@code s} itself if it already holds one as new.
   */
  private PaxosState committed(int from, String key, Proposal p, PaxosState s) {
    applyCommit.apply(from, key, p);
    return p.isNewerThan(s.committed()) ? new PaxosState(s.promised(), s.accepted(), p) : s;
  }
}
