package io.dialkv.core.coordinator;

import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.data.Row;
import io.dialkv.core.repair.MerkleLeaves;
import io.dialkv.core.repair.RepairReport;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.transport.RangeDigestRequest;
import io.dialkv.core.transport.RangeDigestResponse;
import io.dialkv.core.transport.RangeRowsRequest;
import io.dialkv.core.transport.ReplicaWriteRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Anti-entropy repair of every range this node holds a replica of, run by the node itself: each
 * live replica of those ranges builds the ranges' Merkle leaves in one pass over its rows; ranges
 * whose roots agree are done; for the leaves that differ, the replicas' rows are fetched (a chunk
 * of leaves at a time, each replica's rows page by page so no message outgrows its limit), merged,
 * and each replica is sent what it lacks — cells with their timestamps and tombstones, so that a
 * deleted value cannot come back. Replicas the failure detector sees down are skipped and named in
 * the report; so are replicas that failed to send or take rows, with the leaves left unrepaired.
 */
final class RepairSession {
  private static final Logger log = LoggerFactory.getLogger(RepairSession.class);
  private static final int LEAVES_PER_FETCH = ReplicaHandler.MAX_LEAVES_PER_REQUEST;

  private final Fanout fanout;
  private final Duration timeout;
  private final Duration tombstoneGrace;
  private final long startNanos;
  private final long startMillis;
  private final Set<Integer> failed = new TreeSet<>();
  private final List<String> failures = new ArrayList<>();
  private final List<Integer> ranges;
  private final TokenRing ring;
  private final Map<Integer, List<Integer>> rangesByReplica = new TreeMap<>();
  private final List<Integer> unreachable = new ArrayList<>();
  private final Map<Integer, Map<Integer, long[]>> digests = new TreeMap<>();
  private final CompletableFuture<RepairReport> result = new CompletableFuture<>();
  private int rangesDiffering;
  private int leavesNotRepaired;
  private long rowsStreamed;
  private long bytesStreamed;
  private List<Long> differing = List.of();

  RepairSession(Fanout fanout, Duration timeout, Duration tombstoneGrace) {
    this.fanout = fanout;
    this.timeout = timeout;
    this.tombstoneGrace = tombstoneGrace;
    this.startNanos = fanout.clock.monotonicNanos();
    this.startMillis = fanout.clock.physicalMillis();
    // The ring this session repairs by, even if a member joins or leaves meanwhile.
    this.ring = fanout.ring();
    this.ranges = ring.rangesOf(fanout.selfId);
    long now = fanout.clock.monotonicNanos();
    for (int range : ranges) {
      for (int replica : ring.replicasOfRange(range)) {
        if (replica == fanout.selfId || fanout.detector.isAlive(replica, now)) {
          rangesByReplica.computeIfAbsent(replica, r -> new ArrayList<>()).add(range);
        } else if (!unreachable.contains(replica)) {
          unreachable.add(replica);
        }
      }
    }
  }

  CompletableFuture<RepairReport> start() {
    log.info("n{}: repair of {} ranges started{}", fanout.selfId, ranges.size(),
        unreachable.isEmpty() ? "" : "; skipping unreachable " + Nodes.names(unreachable));
    if (rangesByReplica.isEmpty()) {
      finish();
      return result;
    }
    int[] outstanding = {rangesByReplica.size()};
    rangesByReplica.forEach((replica, its) ->
        fanout.send(replica, new RangeDigestRequest(fanout.selfId, its), timeout)
            .whenComplete((RangeDigestResponse r, Throwable failure) -> {
              if (failure == null) {
                digests.put(replica, r.leaves());
              } else if (!unreachable.contains(replica)) {
                unreachable.add(replica);
              }
              if (--outstanding[0] == 0) {
                compare();
              }
            }));
    return result;
  }

  /** The leaves on which the replicas that answered disagree. */
  private void compare() {
    List<Long> leaves = new ArrayList<>();
    for (int range : ranges) {
      List<long[]> held = new ArrayList<>();
      for (int replica : ring.replicasOfRange(range)) {
        Map<Integer, long[]> d = digests.get(replica);
        if (d != null && d.containsKey(range)) {
          held.add(d.get(range));
        }
      }
      if (held.size() < 2) {
        continue;
      }
      long root = MerkleLeaves.root(held.get(0));
      if (held.stream().allMatch(l -> MerkleLeaves.root(l) == root)) {
        continue;
      }
      rangesDiffering++;
      for (int leaf = 0; leaf < MerkleLeaves.LEAVES; leaf++) {
        long first = held.get(0)[leaf];
        int l = leaf;
        if (!held.stream().allMatch(x -> x[l] == first)) {
          leaves.add((long) range * MerkleLeaves.LEAVES + leaf);
        }
      }
    }
    differing = leaves;
    stream(0);
  }

  /** Fetches, merges and writes back one chunk of differing leaves, then the next. */
  private void stream(int from) {
    if (from >= differing.size()) {
      finish();
      return;
    }
    List<Long> chunk = differing.subList(from, Math.min(from + LEAVES_PER_FETCH, differing.size()));
    Map<Integer, Map<String, Row>> rowsByReplica = new TreeMap<>();
    Map<Integer, List<Long>> leavesByReplica = new TreeMap<>();
    for (int replica : digests.keySet()) {
      List<Long> its = chunk.stream()
          .filter(rl -> ring.replicasOfRange((int) (rl / MerkleLeaves.LEAVES)).contains(replica))
          .toList();
      if (!its.isEmpty()) {
        leavesByReplica.put(replica, its);
      }
    }
    int[] outstanding = {leavesByReplica.size()};
    leavesByReplica.forEach((replica, its) ->
        fetch(replica, its, "", new TreeMap<>()).whenComplete((rows, failure) -> {
          // A replica that did not answer stays out of this chunk: nothing is written to it.
          rowsByReplica.put(replica, failure == null ? rows : null);
          if (failure != null) {
            fail(replica, its.size(), "sending rows", failure);
          }
          if (--outstanding[0] == 0) {
            repairChunk(rowsByReplica, () -> stream(from + LEAVES_PER_FETCH));
          }
        }));
  }

  /** Every row the replica holds in the leaves, page by page. */
  private CompletableFuture<Map<String, Row>> fetch(int replica, List<Long> leaves, String after,
      Map<String, Row> sofar) {
    return fanout.send(replica, new RangeRowsRequest(fanout.selfId, leaves, after, RequestLimits.PAGE_BYTES), timeout)
        .thenCompose(page -> {
          sofar.putAll(page.rows());
          return page.more() && !page.rows().isEmpty()
              ? fetch(replica, leaves, page.resumeAfter(), sofar)
              : CompletableFuture.completedFuture(sofar);
        });
  }

  private void repairChunk(Map<Integer, Map<String, Row>> rowsByReplica, Runnable then) {
    Map<String, Row> merged = new TreeMap<>();
    rowsByReplica.values().forEach(rows -> {
      if (rows != null) {
        rows.forEach((key, row) -> merged.merge(key, row, Row::merge));
      }
    });
    List<CompletableFuture<?>> writes = new ArrayList<>();
    merged.forEach((key, row) -> {
      for (int replica : ring.replicasFor(key)) {
        Map<String, Row> held = rowsByReplica.get(replica);
        if (held == null) {
          continue; // down, or did not answer: not ours to judge what it holds
        }
        Row missing = row.missingFrom(held.getOrDefault(key, Row.EMPTY));
        if (!missing.isEmpty()) {
          rowsStreamed++;
          bytesStreamed += missing.approximateBytes(key);
          writes.add(fanout.send(replica, new ReplicaWriteRequest(fanout.selfId, key, missing), timeout)
              .whenComplete((ack, failure) -> {
                if (failure != null) {
                  fail(replica, 1, "taking row '" + key + "'", failure);
                }
              }));
        }
      }
    });
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).whenComplete((v, failure) -> then.run());
  }

  private void fail(int replica, int leaves, String what, Throwable failure) {
    failed.add(replica);
    leavesNotRepaired += leaves;
    if (failures.size() < 5) {
      failures.add(what + ": " + Fanout.asPeerFailure(replica, failure).getMessage());
    }
  }

  private void finish() {
    // Ranges every replica of which took part from start to end: their deletion markers written
    // before this repair began are now on every replica, and may go once past the grace period.
    List<Integer> complete = new ArrayList<>();
    for (int range : ranges) {
      boolean all = true;
      for (int replica : ring.replicasOfRange(range)) {
        all &= digests.containsKey(replica) && !failed.contains(replica);
      }
      if (all) {
        complete.add(range);
      }
    }
    // Range numbers belong to a ring: if the ring changed meanwhile, record nothing (the change
    // cleared the history) and purge nothing.
    long purged = ring != fanout.ring() ? 0 : fanout.local.recordRepairAndPurge(
        complete, startMillis, fanout.clock.physicalMillis() - tombstoneGrace.toMillis());
    long millis = (fanout.clock.monotonicNanos() - startNanos) / 1_000_000;
    RepairReport report = new RepairReport(fanout.selfId, ranges.size(), rangesDiffering, differing.size(),
        rowsStreamed, bytesStreamed, millis, List.copyOf(unreachable), purged, List.copyOf(failed),
        leavesNotRepaired);
    fanout.counters.repaired(report);
    log.info("n{}: repair done in {} ms: {} ranges, {} differing ({} leaves), {} rows streamed ({} bytes),"
            + " deletion markers purged from {} rows{}{}",
        fanout.selfId, millis, ranges.size(), rangesDiffering, differing.size(), rowsStreamed, bytesStreamed,
        purged, unreachable.isEmpty() ? "" : "; not repaired with unreachable " + Nodes.names(unreachable),
        failed.isEmpty() ? "" : "; " + leavesNotRepaired + " leaves NOT repaired, failures of "
            + Nodes.names(List.copyOf(failed)) + ": " + String.join("; ", failures));
    result.complete(report);
  }
}
