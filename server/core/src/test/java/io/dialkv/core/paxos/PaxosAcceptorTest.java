package io.dialkv.core.paxos;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import io.dialkv.core.storage.InMemoryStorage;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.PrepareResponse;
import io.dialkv.core.transport.ProposeRequest;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PaxosAcceptorTest {
  private final InMemoryStorage storage = new InMemoryStorage();
  private final Map<String, Row> rows = new HashMap<>();
  private final HybridClock hlc = new HybridClock(new io.dialkv.core.time.Clock() {
    @Override public long physicalMillis() {
      return 1;
    }

    @Override public long monotonicNanos() {
      return 1;
    }
  }, 1);
  private final PaxosAcceptor acceptor =
      new PaxosAcceptor(1, storage, hlc, (from, key, p) -> rows.merge(key, p.update(), Row::merge));

  private static Timestamp b(long t, int node) {
    return new Timestamp(t, 0, node);
  }

  @Test
  void promisesOnlyHigherBallotsAndRefusesProposalsBelowAPromise() {
    assertThat(acceptor.prepare(new PrepareRequest(2, "k", b(10, 2))).promised()).isTrue();
    PrepareResponse lower = acceptor.prepare(new PrepareRequest(3, "k", b(9, 3)));
    assertThat(lower.promised()).isFalse();
    assertThat(lower.promisedBallot()).isEqualTo(b(10, 2));
    assertThat(acceptor.propose(new ProposeRequest(3, "k", new Proposal(b(9, 3), Row.EMPTY))).accepted()).isFalse();
    assertThat(acceptor.propose(new ProposeRequest(2, "k", new Proposal(b(10, 2), Row.EMPTY))).accepted()).isTrue();
  }

  @Test
  void aProposalHandledAgainAfterAHigherPromiseIsStillReportedAccepted() {
    // The first answer is lost; by the time the request is handled again, a higher ballot was
    // promised. Refusing it now would let its proposer count the refusal as "accepted nowhere"
    // and answer "not applied" for a value that may be chosen.
    Proposal ours = new Proposal(b(10, 2), Mutation.put(new byte[] {7}).at(b(10, 2)));
    acceptor.prepare(new PrepareRequest(2, "k", b(10, 2)));
    assertThat(acceptor.propose(new ProposeRequest(2, "k", ours)).accepted()).isTrue();
    acceptor.prepare(new PrepareRequest(3, "k", b(11, 3)));
    assertThat(acceptor.propose(new ProposeRequest(2, "k", ours)).accepted()).isTrue();
  }

  @Test
  void aRefusalSaysWhetherTheAcceptorMayHaveAcceptedTheProposalBefore() {
    Proposal older = new Proposal(b(10, 2), Mutation.put(new byte[] {7}).at(b(10, 2)));
    Proposal newer = new Proposal(b(12, 3), Mutation.put(new byte[] {8}).at(b(12, 3)));
    acceptor.prepare(new PrepareRequest(3, "k", b(12, 3)));
    acceptor.propose(new ProposeRequest(3, "k", newer));
    // It holds an accepted ballot above 10: it cannot tell whether it took ballot 10 before.
    var refused = acceptor.propose(new ProposeRequest(2, "k", older));
    assertThat(refused.accepted()).isFalse();
    assertThat(refused.mayHaveAcceptedBefore()).isTrue();
    // Only promised, nothing accepted above ballot 11: a refusal shows it never took it.
    PaxosAcceptor fresh = new PaxosAcceptor(1, new InMemoryStorage(), hlc, (from, key, p) -> {});
    fresh.prepare(new PrepareRequest(3, "k", b(12, 3)));
    var never = fresh.propose(new ProposeRequest(2, "k", new Proposal(b(11, 2), Row.EMPTY)));
    assertThat(never.accepted()).isFalse();
    assertThat(never.mayHaveAcceptedBefore()).isFalse();
  }

  @Test
  void aPromiseReportsTheAcceptedProposalSoTheNextProposerCanFinishIt() {
    Proposal half = new Proposal(b(10, 2), Mutation.put(new byte[] {7}).at(b(10, 2)));
    acceptor.prepare(new PrepareRequest(2, "k", b(10, 2)));
    acceptor.propose(new ProposeRequest(2, "k", half));
    // The proposer dies before committing; the next one prepares a higher ballot.
    PrepareResponse next = acceptor.prepare(new PrepareRequest(3, "k", b(11, 3)));
    assertThat(next.promised()).isTrue();
    assertThat(next.accepted()).isEqualTo(half);
    assertThat(next.committed()).isNull();
  }

  @Test
  void stateSurvivesARestartOfTheNode() {
    Proposal p = new Proposal(b(10, 2), Mutation.put(new byte[] {7}).at(b(10, 2)));
    acceptor.prepare(new PrepareRequest(2, "k", b(10, 2)));
    acceptor.propose(new ProposeRequest(2, "k", p));
    acceptor.commit(new CommitRequest(2, "k", p));
    storage.close();
    storage.reopen();
    PaxosAcceptor restarted = new PaxosAcceptor(1, storage, hlc, (from, key, x) -> {});
    PrepareResponse r = restarted.prepare(new PrepareRequest(3, "k", b(10, 2)));
    assertThat(r.promised()).isFalse(); // the old promise is remembered
    assertThat(r.committed()).isEqualTo(p);
    assertThat(rows.get("k").liveCells()).containsKey("value");
  }

  @Test
  void aReadOnlyPrepareReportsTheStateAndTheRowAndPromisesNothing() {
    storage.put("k", Row.of(Map.of(Mutation.VALUE_CELL, Cell.live(new byte[] {1}, b(5, 2)))));
    acceptor.prepare(new PrepareRequest(2, "k", b(10, 2)));
    PrepareResponse read = acceptor.prepare(new PrepareRequest(3, "k", b(20, 3), true));
    assertThat(read.promised()).isTrue();
    assertThat(read.row()).isEqualTo(storage.get("k").orElseThrow());
    // Nothing promised: the promise of ballot 10 still stands, and a proposal at 11 is accepted.
    assertThat(storage.getPaxos("k").orElseThrow().promised()).isEqualTo(b(10, 2));
    Proposal p = new Proposal(b(11, 2), Row.EMPTY);
    assertThat(acceptor.propose(new ProposeRequest(2, "k", p)).accepted()).isTrue();
    // A promise carries the row too; a refusal does not.
    assertThat(acceptor.prepare(new PrepareRequest(4, "k", b(30, 4))).row()).isEqualTo(storage.get("k").orElseThrow());
    assertThat(acceptor.prepare(new PrepareRequest(4, "k", b(29, 4))).row()).isNull();
  }

  @Test
  void anAcceptanceAskedToCommitAppliesTheValueAndStoresItAcceptedAndCommittedInOneState() {
    Proposal p = new Proposal(b(10, 2), Mutation.put(new byte[] {7}).at(b(10, 2)));
    acceptor.prepare(new PrepareRequest(2, "k", b(10, 2)));
    var r = acceptor.propose(new ProposeRequest(2, "k", p, true));
    assertThat(r.accepted()).isTrue();
    assertThat(r.committed()).isTrue();
    assertThat(rows.get("k").liveCells()).containsKey("value");
    assertThat(storage.getPaxos("k")).contains(new PaxosState(b(10, 2), p, p));
    assertThat(storage.getPaxos("k").orElseThrow().inProgress()).isNull();
    // A plain acceptance commits nothing and says so.
    Proposal q = new Proposal(b(11, 2), Mutation.put(new byte[] {8}).at(b(11, 2)));
    var plain = acceptor.propose(new ProposeRequest(2, "k", q));
    assertThat(plain.committed()).isFalse();
    assertThat(storage.getPaxos("k")).contains(new PaxosState(b(11, 2), q, p));
  }

  @Test
  void aRefusalAskedToCommitCommitsNothing() {
    acceptor.prepare(new PrepareRequest(3, "k", b(11, 3)));
    Proposal p = new Proposal(b(10, 2), Mutation.put(new byte[] {7}).at(b(10, 2)));
    var r = acceptor.propose(new ProposeRequest(2, "k", p, true));
    assertThat(r.accepted()).isFalse();
    assertThat(r.committed()).isFalse();
    assertThat(rows).doesNotContainKey("k");
    assertThat(storage.getPaxos("k").orElseThrow().committed()).isNull();
  }

  @Test
  void aProposalAlreadyAcceptedAndAskedAgainToCommitIsCommittedOnce() {
    // The first answer (accepted, committed) is lost and the request handled again after a higher
    // promise: still accepted, committed, and the higher promise stands.
    Proposal p = new Proposal(b(10, 2), Mutation.put(new byte[] {7}).at(b(10, 2)));
    acceptor.prepare(new PrepareRequest(2, "k", b(10, 2)));
    acceptor.propose(new ProposeRequest(2, "k", p, true));
    acceptor.prepare(new PrepareRequest(3, "k", b(12, 3)));
    var again = acceptor.propose(new ProposeRequest(2, "k", p, true));
    assertThat(again.accepted()).isTrue();
    assertThat(again.committed()).isTrue();
    assertThat(storage.getPaxos("k")).contains(new PaxosState(b(12, 3), p, p));
  }
}
