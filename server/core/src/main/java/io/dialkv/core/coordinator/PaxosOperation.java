package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosTrace;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.PrepareResponse;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.ProposeResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One linearizable operation on one key: single-decree Paxos among the key's replicas with
 * majority quorums, the way Cassandra's lightweight transactions work.
 *
 * <ol>
 *   <li>Prepare a fresh ballot (a hybrid timestamp, so ordered by time then node id, and always
 *       above any ballot seen); a majority must promise.
 *   <li>If a promise reports an accepted proposal newer than every commit, a proposer died between
 *       accept and commit: propose and commit that value first with our ballot, then start over.
 *       Replicas that missed the most recent commit get it before we read.
 *   <li>Read the row at QUORUM and let the action decide: the update to make, or nothing.
 *   <li>Propose the update (an empty one for reads and failed compare-and-sets, which seals the
 *       ballot so that no older unfinished proposal can surface after we answered); a majority must
 *       accept. Then commit it to the replicas, which apply it to their rows.
 * </ol>
 *
 * A refused promise or proposal means a competing proposer with a higher ballot: back off for a
 * random while and retry with a higher ballot, a bounded number of times.
 */
public final class PaxosOperation {
  /** What the operation does with the current row. */
  public interface Action {
    /** The update to commit (stamped with {@code ballot}), or null to change nothing. */
    Row decide(Row current, Timestamp ballot);
  }

  private static final int MAX_ROUNDS = 10;

  private final Fanout fanout;
  private final String key;
  private final Action action;
  private final Fanout.Plan plan;
  private final int majority;
  private final Duration timeout;
  private final Random random;
  private final CompletableFuture<PaxosResult> result = new CompletableFuture<>();
  private Scheduler.Cancellable timer;
  private int rounds;
  private int phaseId;
  private Timestamp ballot;
  private List<Integer> promisedBy = List.of();
  // The update we proposed in an earlier round, if any: it may have been chosen meanwhile (another
  // proposer finishes what it finds accepted), which must be recognised rather than re-evaluated.
  private Row ownUpdate;
  private Row readBeforeOwnUpdate;
  private int ownRefusals;

  PaxosOperation(Fanout fanout, String key, Action action, Fanout.Plan plan, Duration timeout, Random random) {
    this.fanout = fanout;
    this.key = key;
    this.action = action;
    this.plan = plan;
    this.majority = Consistency.LINEARIZABLE.required(plan.replicas().size());
    this.timeout = timeout;
    this.random = random;
  }

  CompletableFuture<PaxosResult> start() {
    timer = fanout.scheduler.schedule(timeout, this::onTimeout);
    prepare();
    return result;
  }

  private void prepare() {
    if (result.isDone()) {
      return;
    }
    if (++rounds > MAX_ROUNDS) {
      fail(ownUpdate != null, "gave up after " + MAX_ROUNDS + " rounds of competing ballots");
      return;
    }
    ballot = fanout.hlc.now();
    round(new PrepareRequest(fanout.selfId, key, ballot), PrepareResponse::promised, this::onPromised,
        responses -> retryAbove(responses.stream()
            .filter(r -> !r.promised()).map(PrepareResponse::promisedBallot).toList()));
  }

  private void onPromised(List<PrepareResponse> promises) {
    promisedBy = promises.stream().map(PrepareResponse::nodeId).toList();
    Proposal latestCommit = null;
    Proposal inProgress = null;
    for (PrepareResponse p : promises) {
      latestCommit = Proposal.newest(latestCommit, p.committed());
      inProgress = Proposal.newest(inProgress, p.accepted());
    }
    if (inProgress != null && inProgress.isNewerThan(latestCommit)) {
      // Finish the unfinished proposal under our ballot, then start over for our own operation,
      // unless it is our own: then finishing it completes our operation.
      boolean ours = ownUpdate != null && inProgress.update().equals(ownUpdate);
      Proposal finishing = new Proposal(ballot, inProgress.update());
      proposeAndCommit(finishing, accepted -> {
        if (ours) {
          complete(readBeforeOwnUpdate, true, accepted);
        } else {
          prepare();
        }
      });
      return;
    }
    if (ownUpdate != null && latestCommit != null && latestCommit.update().equals(ownUpdate)) {
      // Another proposer found our accepted value and committed it for us.
      complete(readBeforeOwnUpdate, true, promisedBy);
      return;
    }
    List<Integer> behind = new ArrayList<>();
    for (PrepareResponse p : promises) {
      if (latestCommit != null && latestCommit.isNewerThan(p.committed())) {
        behind.add(p.nodeId());
      }
    }
    if (behind.isEmpty()) {
      read();
      return;
    }
    Proposal commit = latestCommit;
    int[] left = {behind.size()};
    int phase = ++phaseId;
    for (int node : behind) {
      fanout.send(node, new CommitRequest(fanout.selfId, key, commit), timeout).whenComplete((r, e) -> {
        if (phase != phaseId || result.isDone()) {
          return;
        }
        if (e != null) {
          retryAbove(List.of());
        } else if (--left[0] == 0) {
          read();
        }
      });
    }
  }

  private void read() {
    int phase = ++phaseId;
    new ReadOperation(fanout, key, Consistency.QUORUM, false, plan, Consistency.QUORUM.required(plan.replicas().size()),
            timeout)
        .start()
        .whenComplete((read, failure) -> {
          if (phase != phaseId || result.isDone()) {
            return;
          }
          if (failure != null) {
            retryAbove(List.of());
            return;
          }
          Row current = read.row();
          Timestamp newest = current.newestTimestamp();
          if (ownUpdate != null) {
            retryOwnUpdate(current);
            return;
          }
          if (newest != null && !ballot.isAfter(newest)) {
            // The row holds a timestamp from the future (a skewed clock, or a weaker-level write):
            // our update must win last-write-wins, so take a ballot above it. Beyond the clock
            // bound we cannot, and the rounds run out: contention, nothing applied.
            fanout.hlc.tryObserve(newest, fanout.selfId);
            prepare();
            return;
          }
          Row update = action.decide(current, ballot);
          boolean applies = update != null;
          if (applies) {
            ownUpdate = update;
            readBeforeOwnUpdate = current;
            ownRefusals = 0;
          }
          proposeAndCommit(new Proposal(ballot, applies ? update : Row.EMPTY),
              accepted -> complete(current, applies, accepted));
        });
  }

  /**
   * A later round of an operation whose update was proposed before and may have been accepted
   * somewhere (so another proposer may have chosen it since): it must never take effect a second
   * time at a later point. If the row holds it, it was chosen; otherwise we cannot tell "never
   * chosen" from "chosen and overwritten since": indeterminate.
   */
  private void retryOwnUpdate(Row current) {
    if (holds(current, ownUpdate)) {
      complete(readBeforeOwnUpdate, true, promisedBy);
    } else {
      fail(true, "lost a round after proposing, and the row does not hold its value");
    }
  }

  /** Whether the row holds exactly the update's cells (and its row deletion, if any). */
  private static boolean holds(Row row, Row update) {
    if (update.deletedAt() != null && !update.deletedAt().equals(row.deletedAt())) {
      return false;
    }
    for (var cell : update.cells().entrySet()) {
      if (!cell.getValue().equals(row.cells().get(cell.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private void complete(Row before, boolean applied, List<Integer> acceptedBy) {
    timer.cancel();
    phaseId++;
    result.complete(new PaxosResult(before, applied, provenance(acceptedBy)));
  }

  private void proposeAndCommit(Proposal proposal, Consumer<List<Integer>> onCommitted) {
    boolean own = ownUpdate != null && proposal.update() == ownUpdate;
    round(new ProposeRequest(fanout.selfId, key, proposal), r -> {
      if (own && !r.accepted() && ++ownRefusals == plan.alive().size()) {
        // Every replica refused our value: it was accepted nowhere and can never be chosen, so
        // the next round may decide afresh.
        ownUpdate = null;
      }
      return r.accepted();
    }, accepts -> {
      List<Integer> acceptedBy = accepts.stream().map(ProposeResponse::nodeId).toList();
      commitToPendingReplicas(proposal);
      round(new CommitRequest(fanout.selfId, key, proposal), r -> true,
          commits -> onCommitted.accept(acceptedBy),
          failures -> fail(true, "the value was chosen but its commit reached fewer than " + majority + " replicas"));
    }, responses -> retryAbove(responses.stream()
        .filter(r -> !r.accepted()).map(ProposeResponse::promisedBallot).toList()));
  }

  /**
   * A chosen value also goes to the key's pending replicas (a member joining or leaving), which
   * take no part in the round: they must hold it once they own the key. Not counted; a pending
   * replica that misses it gets it from streaming or anti-entropy repair.
   */
  private void commitToPendingReplicas(Proposal proposal) {
    for (int node : fanout.pendingReplicas(key)) {
      fanout.send(node, new CommitRequest(fanout.selfId, key, proposal), timeout);
    }
  }

  /** Sends to every live replica; calls {@code onMajority} once a majority answered {@code ok}. */
  private <R extends PeerResponse> void round(
      PeerRequest<R> request, Predicate<R> ok, Consumer<List<R>> onMajority, Consumer<List<R>> onImpossible) {
    int phase = ++phaseId;
    List<R> good = new ArrayList<>();
    List<R> refused = new ArrayList<>();
    List<PeerFailureException> refusals = new ArrayList<>();
    int[] failed = {0};
    for (int node : plan.alive()) {
      fanout.send(node, request, timeout).whenComplete((response, error) -> {
        if (phase != phaseId || result.isDone()) {
          return;
        }
        if (error == null && ok.test(response)) {
          good.add(response);
          if (good.size() == majority) {
            onMajority.accept(List.copyOf(good));
          }
          return;
        }
        if (error == null) {
          refused.add(response);
        } else {
          failed[0]++;
          PeerFailureException failure = Fanout.asPeerFailure(node, error);
          if (failure.refused()) {
            refusals.add(failure);
          }
        }
        if (plan.alive().size() - refused.size() - failed[0] < majority) {
          phaseId++; // nothing more of this round matters
          if (plan.alive().size() - refusals.size() < majority) {
            // Refused, not outbid (a ballot beyond the replicas' clock bound, say): another round
            // would be refused the same way.
            failRefused(refusals);
          } else {
            onImpossible.accept(List.copyOf(refused));
          }
        }
      });
    }
  }

  /** A competing proposer won this round: back off, then prepare a ballot above what we saw. */
  private void retryAbove(List<Timestamp> higherBallots) {
    if (result.isDone()) {
      return;
    }
    // A ballot beyond the clock bound is not adopted (it would take every ballot of ours with it);
    // the acceptors refuse such ballots, so only a replica's own bad clock shows one here.
    higherBallots.forEach(b -> fanout.hlc.tryObserve(b, fanout.selfId));
    if (rounds == 1) {
      // Usually not a live competitor but a ballot below the last one promised for this key by
      // a coordinator whose hybrid clock is a little ahead: retry at once above it.
      fanout.scheduler.execute(this::prepare);
      return;
    }
    long backoffMillis = 1 + random.nextInt(10 * Math.min(rounds, 5) + 1);
    fanout.scheduler.schedule(Duration.ofMillis(backoffMillis), this::prepare);
  }

  private void failRefused(List<PeerFailureException> refusals) {
    if (ownUpdate != null) {
      fail(true, "was refused by " + Nodes.names(refusals.stream().map(PeerFailureException::nodeId).toList())
          + " (" + refusals.get(0).reason() + ")");
      return;
    }
    timer.cancel();
    phaseId++;
    result.completeExceptionally(ReplicasRefusedException.of("linearizable operation", refusals));
  }

  private void onTimeout() {
    fail(ownUpdate != null, "timed out after " + timeout.toMillis() + " ms in round " + rounds);
  }

  private void fail(boolean mayHaveBeenApplied, String why) {
    if (result.isDone()) {
      return;
    }
    timer.cancel();
    phaseId++;
    if (mayHaveBeenApplied) {
      result.completeExceptionally(new IndeterminateWriteException(
          "linearizable operation " + why + "; its value was proposed and may have been applied"));
    } else if (plan.alive().size() < majority) {
      result.completeExceptionally(new UnavailableException(
          "linearizable operation", majority, plan.replicas().size(), plan.alive(), plan.down()));
    } else {
      result.completeExceptionally(new ContentionException(
          "linearizable operation " + why + "; nothing was applied, retry"));
    }
  }

  private Provenance provenance(List<Integer> acceptedBy) {
    return new Provenance(fanout.selfId, Consistency.LINEARIZABLE, plan.replicas(), majority, plan.alive(),
        List.of(), false, List.of(), false, ballot, new PaxosTrace(ballot, rounds, promisedBy, acceptedBy));
  }
}
