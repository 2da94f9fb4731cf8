package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.paxos.PaxosTrace;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Buggify;
import io.dialkv.core.stats.NodeCounters;
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
import io.dialkv.core.transport.ReplicaWriteRequest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * One linearizable operation on one key: single-decree Paxos among the key's replicas with
 * majority quorums, the way Cassandra's lightweight transactions work.
 *
 * <ol>
 *   <li>Prepare a fresh ballot (a hybrid timestamp, so ordered by time then node id, and always
 *       above any ballot seen); a majority must promise. Each promise carries the replica's row as
 *       it promised: the read is folded into the prepare (as in Cassandra's Paxos v2).
 *   <li>If a promise reports an accepted proposal newer than every commit, a proposer died between
 *       accept and commit (or is still between them): propose and commit that value first with our
 *       ballot, then start over. Reads complete such a proposal too, so that a value one read saw
 *       can never be missed by a later one.
 *   <li>Merge the promised rows (newest cell wins; replicas that lack part of the merge get it
 *       before we answer, as a QUORUM read repairs) and let the action decide: the update to make,
 *       or nothing.
 *   <li>Nothing to change (a read, a compare-and-set whose condition failed): answer. One round
 *       trip to a majority when nothing is in flight.
 *   <li>Otherwise propose the update; a majority must accept. Then commit it to the replicas, which
 *       apply it to their rows, and answer once a majority has: a QUORUM read after the answer sees
 *       it. Where two replicas are a majority (three replicas) and this node is one, it accepts
 *       first and the others accept and commit in one step, since their acceptance chooses the
 *       value: two round trips when nothing is in flight. Otherwise the commit is a third.
 * </ol>
 *
 * <p>A read (an action that {@linkplain LinearizableAction#readsOnly only reads}) prepares read-only: the
 * replicas report their state and rows and promise nothing, store nothing. It needs no promise,
 * since it proposes nothing unless it finds a proposal in flight, and then it prepares again with
 * a real promise before it finishes that one.
 *
 * <p>A read that proposes nothing does not seal its ballot, so a value accepted by a minority
 * before it (by a proposer still running, or one that died) may still be chosen after it answered.
 * That is linearizable because such a proposer never reports "not applied": once its value may
 * have been accepted anywhere it answers applied or indeterminate (the anomaly of CASSANDRA-12126,
 * a refused write surfacing later, cannot happen), and it has not answered before its value is
 * chosen.
 *
 * <p>A refused promise or proposal means a competing proposer with a higher ballot: back off for a
 * random while and retry with a higher ballot, until the request's deadline (not a count of
 * rounds: under contention a round is cheap and the deadline is what the client waits for). A read
 * that finds a proposal in flight first gives its proposer a moment to commit it, and reads again
 * read-only: taking a promise at once would refuse that proposer's accept, and a proposer refused
 * after some replica accepted its value can no longer tell whether it was chosen.
 */
public final class PaxosOperation {
  // How many times a read lets a proposal it finds in flight be committed by its own proposer
  // before it finishes the proposal itself (the proposer may have died).
  private static final int IN_FLIGHT_WAITS = 2;
  /**
   * How long a Paxos round waits for the majority it asked first before it asks the other replicas
   * too: well above a round trip under load, well below a client's patience.
   */
  public static final Duration HEDGE_AFTER = Duration.ofMillis(25);

  private final Fanout fanout;
  private final String key;
  private final LinearizableAction action;
  private final Fanout.Plan plan;
  private final int majority;
  private final Duration timeout;
  private final RandomGenerator random;
  private final CompletableFuture<PaxosResult> result = new CompletableFuture<>();
  private Scheduler.Cancellable timer;
  private int rounds;
  // Rounds started because a competing proposer's ballot or unfinished proposal was in the way.
  private int contentionRetries;
  private int phaseId;
  private Timestamp ballot;
  private List<Integer> promisedBy = List.of();
  // The update we proposed in an earlier round, if any: it may have been chosen meanwhile (another
  // proposer finishes what it finds accepted), which must be recognised rather than re-evaluated.
  private Row ownUpdate;
  // The proposal that first carried it: only its refusals show it was accepted nowhere (a later
  // round re-proposing the same value under a new ballot may be refused where the first was taken).
  private Proposal ownProposal;
  private Row readBeforeOwnUpdate;
  private int ownRefusals;
  // A read prepares read-only (nothing promised, nothing stored) unless it found a proposal in
  // flight: finishing that takes a real promise first.
  private boolean readOnlyRound;
  private boolean promiseNext;
  private int inFlightWaits;

  PaxosOperation(Fanout fanout, String key, LinearizableAction action, Fanout.Plan plan, Duration timeout, RandomGenerator random) {
    this.fanout = fanout;
    this.key = key;
    this.action = action;
    this.plan = plan;
    this.majority = plan.paxosQuorum();
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
    rounds++;
    ballot = fanout.hlc.now();
    readOnlyRound = action.readsOnly() && !promiseNext;
    promiseNext = false;
    round(new PrepareRequest(fanout.selfId, key, ballot, readOnlyRound), false, PrepareResponse::promised,
        this::onPromised,
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
    if (inProgress != null && inProgress.isNewerThan(latestCommit) && readOnlyRound) {
      // A read found a proposal in flight: it must not answer before that one is finished (see
      // the class comment). Its proposer is usually a round trip from committing it; if it has
      // not after a few, finish it ourselves, which takes a majority's promise.
      contentionRetries++;
      if (inFlightWaits++ < IN_FLIGHT_WAITS) {
        int phase = ++phaseId;
        fanout.scheduler.schedule(Duration.ofMillis(1 + random.nextInt(3)), () -> {
          if (phase == phaseId) {
            prepare();
          }
        });
      } else {
        promiseNext = true;
        prepare();
      }
      return;
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
    if (promises.stream().anyMatch(p -> p.row() == null)) {
      // A replica that does not fold the read into its promise (a node of an older version):
      // bring those that missed the most recent commit up to date, then read at QUORUM.
      commitToBehind(latestCommit, promises, this::read);
      return;
    }
    Row current = Row.EMPTY;
    for (PrepareResponse p : promises) {
      fanout.hlc.tryObserve(p.row().newestTimestamp(), p.nodeId());
      current = current.merge(p.row());
    }
    Row merged = current;
    // Replicas that missed the most recent commit get it (their Paxos state then agrees, so the
    // next round does not find them behind again); not awaited: the merge already holds it.
    for (PrepareResponse p : promises) {
      if (latestCommit != null && latestCommit.isNewerThan(p.committed())) {
        fanout.send(p.nodeId(), new CommitRequest(fanout.selfId, key, latestCommit), timeout);
      }
    }
    repairRows(promises, merged, () -> decide(merged));
  }

  /** Sends the most recent commit to the promisers that lack it, then runs {@code next}. */
  private void commitToBehind(Proposal latestCommit, List<PrepareResponse> promises, Runnable next) {
    List<Integer> behind = promises.stream()
        .filter(p -> latestCommit != null && latestCommit.isNewerThan(p.committed()))
        .map(PrepareResponse::nodeId)
        .toList();
    sendAllThen(behind, node -> new CommitRequest(fanout.selfId, key, latestCommit), next);
  }

  /**
   * Writes what the merge holds to each promiser whose row lacks part of it, and runs {@code next}
   * once all have acknowledged: once answered, a value is on a majority, as after a QUORUM read.
   * Replicas agree almost always (a commit missed, or a weaker-level write on some of them, is
   * what makes them differ), and then this costs nothing.
   */
  private void repairRows(List<PrepareResponse> promises, Row merged, Runnable next) {
    Map<Integer, Row> missing = new LinkedHashMap<>();
    for (PrepareResponse p : promises) {
      Row lacks = merged.missingFrom(p.row());
      if (!lacks.isEmpty()) {
        missing.put(p.nodeId(), lacks);
      }
    }
    if (!missing.isEmpty()) {
      fanout.counters.readDisagreed(Consistency.LINEARIZABLE);
      fanout.counters.readRepaired(NodeCounters.ReadRepair.BLOCKING, missing.size());
    }
    sendAllThen(List.copyOf(missing.keySet()),
        node -> new ReplicaWriteRequest(fanout.selfId, key, missing.get(node)), next);
  }

  /**
   * Sends each node its request and runs {@code next} once all have answered; if one fails,
   * starts a new round instead. With no node, runs {@code next} at once.
   */
  private void sendAllThen(List<Integer> nodes, IntFunction<PeerRequest<?>> request, Runnable next) {
    if (nodes.isEmpty()) {
      next.run();
      return;
    }
    int[] left = {nodes.size()};
    int phase = ++phaseId;
    for (int node : nodes) {
      fanout.send(node, request.apply(node), timeout).whenComplete((r, e) -> {
        if (phase != phaseId || result.isDone()) {
          return;
        }
        if (e != null) {
          retryAbove(List.of());
        } else if (--left[0] == 0) {
          next.run();
        }
      });
    }
  }

  /** A read of its own at QUORUM, for promises that carry no row. */
  private void read() {
    int phase = ++phaseId;
    new ReadOperation(fanout, key, Consistency.QUORUM, false, plan, majority, timeout)
        .start()
        .whenComplete((read, failure) -> {
          if (phase != phaseId || result.isDone()) {
            return;
          }
          if (failure != null) {
            retryAbove(List.of());
            return;
          }
          decide(read.row());
        });
  }

  /** The row as a majority holds it under our ballot: let the action decide. */
  private void decide(Row current) {
    if (ownUpdate != null) {
      retryOwnUpdate(current);
      return;
    }
    Row update = action.decide(current, ballot);
    if (update == null) {
      // Nothing to change: the promises (or a read's read-only answers) alone decide it.
      complete(current, false, List.of());
      return;
    }
    Timestamp newest = current.newestTimestamp();
    if (newest != null && !ballot.isAfter(newest)) {
      // The row holds a timestamp from the future (a skewed clock, or a weaker-level write):
      // our update must win last-write-wins, so take a ballot above it. Beyond the clock
      // bound we cannot, and the deadline passes: contention, nothing applied.
      fanout.hlc.tryObserve(newest, fanout.selfId);
      prepare();
      return;
    }
    ownUpdate = update;
    ownProposal = new Proposal(ballot, update);
    readBeforeOwnUpdate = current;
    ownRefusals = 0;
    proposeAndCommit(ownProposal, accepted -> complete(current, true, accepted));
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
    counted();
    timer.cancel();
    phaseId++;
    result.complete(new PaxosResult(before, applied, provenance(acceptedBy)));
  }

  private void proposeAndCommit(Proposal proposal, Consumer<List<Integer>> onCommitted) {
    if (majority == 2 && plan.alive().contains(fanout.selfId) && !fanout.local.syncsToDisk()) {
      proposeHereFirst(proposal, onCommitted);
    } else {
      proposeToMajority(proposal, onCommitted);
    }
  }

  /** Whether a replica's answer accepts the proposal; counts the refusals that show it was accepted nowhere. */
  private boolean accepts(Proposal proposal, ProposeResponse r) {
    if (proposal == ownProposal && !r.accepted() && !r.mayHaveAcceptedBefore() && ++ownRefusals == plan.alive().size()) {
      // Every replica refused our value, none that may have taken it before (its answer lost,
      // the request handled again): it was accepted nowhere and can never be chosen, so the
      // next round may decide afresh.
      ownUpdate = null;
      ownProposal = null;
    }
    return r.accepted();
  }

  private void retryAboveRefusals(List<ProposeResponse> responses) {
    retryAbove(responses.stream().filter(r -> !r.accepted()).map(ProposeResponse::promisedBallot).toList());
  }

  /** Phase 2 to a majority, then the commit to every replica, answered once a majority applied it. */
  private void proposeToMajority(Proposal proposal, Consumer<List<Integer>> onCommitted) {
    round(new ProposeRequest(fanout.selfId, key, proposal), false, r -> accepts(proposal, r),
        accepts -> commit(proposal, nodeIds(accepts), onCommitted), this::retryAboveRefusals);
  }

  private void commit(Proposal proposal, List<Integer> acceptedBy, Consumer<List<Integer>> onCommitted) {
    commitToPendingReplicas(proposal);
    boolean toAll = !fanout.scheduler.buggify(Buggify.PAXOS_COMMIT_TO_MAJORITY);
    round(new CommitRequest(fanout.selfId, key, proposal), toAll, r -> true,
        commits -> onCommitted.accept(acceptedBy),
        failures -> fail(true, "the value was chosen but its commit reached fewer than " + majority + " replicas"));
  }

  /**
   * Phase 2 when two replicas are a majority and this node is one: accept here first, then ask
   * the others to accept and, since an acceptance there chooses the value, to commit it at once.
   * The commit then costs no round trip: once one of them has and this replica has too, a
   * majority's rows hold the value, and the rest learn it without being waited for. A write takes
   * two round trips, not three. Not when acknowledgements wait for the disk: accepting here and
   * there one after the other would wait for two fsyncs in a row where the plain round waits for
   * two at once.
   */
  private void proposeHereFirst(Proposal proposal, Consumer<List<Integer>> onCommitted) {
    int phase = ++phaseId;
    fanout.send(fanout.selfId, new ProposeRequest(fanout.selfId, key, proposal), timeout).whenComplete((own, e) -> {
      if (phase != phaseId || result.isDone()) {
        return;
      }
      if (e != null || !own.accepted()) {
        proposeToMajority(proposal, onCommitted); // refused here: the plain round counts it with the others'
        return;
      }
      new Round<>(new ProposeRequest(fanout.selfId, key, proposal, true), r -> accepts(proposal, r),
          accepts -> onChosenHere(proposal, accepts, onCommitted), this::retryAboveRefusals)
          .startAfter(own, fanout.scheduler.buggify(Buggify.PAXOS_ROUND_TO_ALL));
    });
  }

  /** This replica and another accepted; the other also committed (unless it is of an older version). */
  private void onChosenHere(Proposal proposal, List<ProposeResponse> accepts, Consumer<List<Integer>> onCommitted) {
    List<Integer> acceptedBy = nodeIds(accepts);
    List<Integer> committedBy = nodeIds(accepts.stream().filter(ProposeResponse::committed).toList());
    if (committedBy.isEmpty()) {
      commit(proposal, acceptedBy, onCommitted);
      return;
    }
    commitToPendingReplicas(proposal);
    CommitRequest commit = new CommitRequest(fanout.selfId, key, proposal);
    if (!fanout.scheduler.buggify(Buggify.PAXOS_COMMIT_TO_MAJORITY)) {
      for (int node : plan.alive()) {
        if (node != fanout.selfId && !committedBy.contains(node)) {
          fanout.send(node, commit, timeout);
        }
      }
    }
    sendAllThen(List.of(fanout.selfId), node -> commit, () -> onCommitted.accept(acceptedBy));
  }

  private static List<Integer> nodeIds(List<ProposeResponse> responses) {
    return responses.stream().map(ProposeResponse::nodeId).toList();
  }

  /**
   * A chosen value also goes to the key's replicas that became pending (a member joining or
   * leaving) since the round began: they must hold it once they own the key. Not counted; a
   * pending replica that misses it gets it from streaming or anti-entropy repair. Those pending
   * when it began are in the round (see {@link Fanout.Plan#paxosQuorum}).
   */
  private void commitToPendingReplicas(Proposal proposal) {
    for (int node : fanout.pendingReplicas(key)) {
      if (plan.replicas().contains(node)) {
        continue;
      }
      fanout.send(node, new CommitRequest(fanout.selfId, key, proposal), timeout);
    }
  }

  /**
   * Sends to a majority of the live replicas, this node first, and calls {@code onMajority} once a
   * majority answered {@code ok}. Any other answer, or no majority within {@link #HEDGE_AFTER},
   * sends to the rest at once: each round to a majority costs a third less of the messages the
   * replicas handle, and a refused, failed or cut-off replica still costs the round only the wait
   * for the next. With {@code toAll}, sends to every live replica at once (a commit: all must learn
   * the value).
   */
  private <R extends PeerResponse> void round(PeerRequest<R> request, boolean toAll, Predicate<R> ok,
      Consumer<List<R>> onMajority, Consumer<List<R>> onImpossible) {
    boolean all = toAll || fanout.scheduler.buggify(Buggify.PAXOS_ROUND_TO_ALL);
    new Round<>(request, ok, onMajority, onImpossible).start(all ? plan.alive().size() : majority);
  }

  private final class Round<R extends PeerResponse> {
    private final int phase = ++phaseId;
    private final PeerRequest<R> request;
    private final Predicate<R> ok;
    private final Consumer<List<R>> onMajority;
    private final Consumer<List<R>> onImpossible;
    private final ArrayDeque<Integer> unsent = new ArrayDeque<>(fanout.aliveOwnFirst(plan));
    private final List<R> good = new ArrayList<>();
    private final List<R> refused = new ArrayList<>();
    private final List<PeerFailureException> refusals = new ArrayList<>();
    private int failed;
    private Scheduler.Cancellable hedge;

    Round(PeerRequest<R> request, Predicate<R> ok, Consumer<List<R>> onMajority, Consumer<List<R>> onImpossible) {
      this.request = request;
      this.ok = ok;
      this.onMajority = onMajority;
      this.onImpossible = onImpossible;
    }

    void start(int first) {
      send(first);
      hedgeTheRest();
    }

    /**
     * Starts with this node's answer already in hand: asks the others only, as many as a majority
     * still needs ({@code toAll}: all of them).
     */
    void startAfter(R own, boolean toAll) {
      unsent.remove(Integer.valueOf(fanout.selfId));
      good.add(own);
      send(toAll ? unsent.size() : majority - good.size());
      hedgeTheRest();
    }

    private void hedgeTheRest() {
      if (!unsent.isEmpty() && live()) {
        hedge = fanout.scheduler.schedule(HEDGE_AFTER, () -> {
          if (live()) {
            send(unsent.size());
          }
        });
      }
    }

    private boolean live() {
      return phase == phaseId && !result.isDone();
    }

    /** Sends to the next {@code count} replicas (the own node may answer before this returns). */
    private void send(int count) {
      for (int i = 0; i < count && !unsent.isEmpty() && live(); i++) {
        int node = unsent.removeFirst();
        fanout.send(node, request, timeout).whenComplete((response, error) -> onAnswer(node, response, error));
      }
    }

    private void onAnswer(int node, R response, Throwable error) {
      if (!live()) {
        return;
      }
      if (error == null && ok.test(response)) {
        good.add(response);
        if (good.size() == majority) {
          if (hedge != null) {
            hedge.cancel();
          }
          onMajority.accept(List.copyOf(good));
        }
        return;
      }
      if (error == null) {
        refused.add(response);
      } else {
        failed++;
        PeerFailureException failure = Fanout.asPeerFailure(node, error);
        if (failure.refused()) {
          refusals.add(failure);
        }
      }
      send(unsent.size()); // the majority asked first will not do
      if (live() && plan.alive().size() - refused.size() - failed < majority) {
        phaseId++; // nothing more of this round matters
        if (hedge != null) {
          hedge.cancel();
        }
        if (plan.alive().size() - refusals.size() < majority) {
          // Refused, not outbid (a ballot beyond the replicas' clock bound, say): another round
          // would be refused the same way.
          failRefused(refusals);
        } else {
          onImpossible.accept(List.copyOf(refused));
        }
      }
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
    if (!higherBallots.isEmpty()) {
      contentionRetries++;
    }
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
    counted();
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
    counted();
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

  /** The operation ends now: its rounds go into the node's counters (once; callers check). */
  private void counted() {
    if (result.isDone()) {
      return;
    }
    fanout.counters.paxosEnded(NodeCounters.PaxosKind.of(action), rounds, contentionRetries);
  }

  private Provenance provenance(List<Integer> acceptedBy) {
    return new Provenance(fanout.selfId, Consistency.LINEARIZABLE, plan.replicas(), majority, plan.alive(),
        List.of(), false, List.of(), false, ballot, new PaxosTrace(ballot, rounds, promisedBy, acceptedBy));
  }
}
