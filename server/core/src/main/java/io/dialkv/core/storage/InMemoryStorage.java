package io.dialkv.core.storage;

import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.Hint;
import io.dialkv.core.membership.Member;
import io.dialkv.core.paxos.PaxosState;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * Storage in a sorted map. Survives a simulated crash and restart of its node (the test keeps the
 * object), which makes it the durable disk of a simulated cluster.
 *
 * <p>It keeps its contract as RocksDB without {@code --sync-writes} does: a row or Paxos state
 * stored is safe from a crash only once {@link #synced} completes, which takes a task of the
 * node's loop (RocksDB writes its log out once per loop turn). {@link #crashLosingUnsynced} is a
 * crash at that moment: what no {@code synced} covered yet is gone, as an unwritten log buffer is.
 */
public final class InMemoryStorage implements Storage {
  private final TreeMap<String, Row> rows = new TreeMap<>();
  private final TreeMap<String, PaxosState> paxos = new TreeMap<>();
  private Map<Integer, Long> repairedRanges = Map.of();
  private List<Member> savedMembers = List.of();
  // Per target, hints in (created, sequence) order, as RocksDB's key order keeps them.
  private final TreeMap<Integer, TreeMap<List<Long>, Hint>> hints = new TreeMap<>();
  private boolean closed;
  // For each row and Paxos state changed since the last write-out: what a crash would leave.
  private final Map<String, Optional<Row>> rowsBeforeWriteOut = new HashMap<>();
  private final Map<String, Optional<PaxosState>> paxosBeforeWriteOut = new HashMap<>();

  @Override
  public synchronized Optional<Row> get(String key) {
    checkOpen();
    return Optional.ofNullable(rows.get(key));
  }

  @Override
  public synchronized void put(String key, Row row) {
    checkOpen();
    rowsBeforeWriteOut.putIfAbsent(key, Optional.ofNullable(rows.get(key)));
    rows.put(key, row);
  }

  @Override
  public synchronized void delete(String key) {
    checkOpen();
    rowsBeforeWriteOut.putIfAbsent(key, Optional.ofNullable(rows.get(key)));
    rows.remove(key);
  }

  @Override
  public synchronized Map<Integer, Long> repairedRanges() {
    checkOpen();
    return repairedRanges;
  }

  @Override
  public synchronized void putRepairedRanges(Map<Integer, Long> repairedAt) {
    checkOpen();
    repairedRanges = Map.copyOf(repairedAt);
  }

  @Override
  public synchronized List<Member> savedMembers() {
    checkOpen();
    return savedMembers;
  }

  @Override
  public synchronized void saveMembers(List<Member> members) {
    checkOpen();
    savedMembers = List.copyOf(members);
  }

  @Override
  public synchronized Optional<PaxosState> getPaxos(String key) {
    checkOpen();
    return Optional.ofNullable(paxos.get(key));
  }

  @Override
  public synchronized void putPaxos(String key, PaxosState state) {
    checkOpen();
    paxosBeforeWriteOut.putIfAbsent(key, Optional.ofNullable(paxos.get(key)));
    paxos.put(key, state);
  }

  @Override
  public synchronized void putHint(Hint hint) {
    checkOpen();
    hints.computeIfAbsent(hint.target(), t -> new TreeMap<>(InMemoryStorage::compareOrder))
        .put(order(hint), hint);
  }

  @Override
  public synchronized List<Hint> hints(int target, int limit) {
    checkOpen();
    TreeMap<List<Long>, Hint> forTarget = hints.get(target);
    return forTarget == null ? List.of() : forTarget.values().stream().limit(limit).toList();
  }

  @Override
  public synchronized void deleteHint(Hint hint) {
    checkOpen();
    TreeMap<List<Long>, Hint> forTarget = hints.get(hint.target());
    if (forTarget != null) {
      forTarget.remove(order(hint));
    }
  }

  @Override
  public synchronized Map<Integer, Long> countHints() {
    checkOpen();
    Map<Integer, Long> counts = new TreeMap<>();
    hints.forEach((target, forTarget) -> {
      if (!forTarget.isEmpty()) {
        counts.put(target, (long) forTarget.size());
      }
    });
    return counts;
  }

  private static List<Long> order(Hint hint) {
    return List.of(hint.createdMillis(), hint.sequence());
  }

  private static int compareOrder(List<Long> a, List<Long> b) {
    int c = Long.compare(a.get(0), b.get(0));
    return c != 0 ? c : Long.compare(a.get(1), b.get(1));
  }

  @Override
  public synchronized void scan(BiConsumer<String, Row> visitor) {
    checkOpen();
    new TreeMap<>(rows).forEach(visitor);
  }

  @Override
  public synchronized void scanAfter(String afterKey, BiPredicate<String, Row> visitor) {
    checkOpen();
    for (Map.Entry<String, Row> e : new TreeMap<>(rows.tailMap(afterKey, false)).entrySet()) {
      if (!visitor.test(e.getKey(), e.getValue())) {
        return;
      }
    }
  }

  @Override
  public synchronized long approximateRowCount() {
    return rows.size();
  }

  @Override
  public synchronized CompletableFuture<Void> synced(Executor loop) {
    if (rowsBeforeWriteOut.isEmpty() && paxosBeforeWriteOut.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    loop.execute(() -> {
      writtenOut();
      done.complete(null);
    });
    return done;
  }

  private synchronized void writtenOut() {
    rowsBeforeWriteOut.clear();
    paxosBeforeWriteOut.clear();
  }

  /**
   * Closes as a killed process leaves its data: every row and Paxos state stored since the last
   * write-out goes back to what it was before.
   */
  public synchronized void crashLosingUnsynced() {
    rowsBeforeWriteOut.forEach((key, before) -> {
      if (before.isPresent()) {
        rows.put(key, before.get());
      } else {
        rows.remove(key);
      }
    });
    paxosBeforeWriteOut.forEach((key, before) -> {
      if (before.isPresent()) {
        paxos.put(key, before.get());
      } else {
        paxos.remove(key);
      }
    });
    writtenOut();
    closed = true;
  }

  /** Re-opens after {@link #close()}, as a restarted node re-opens its data directory. */
  public synchronized void reopen() {
    closed = false;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("storage is closed");
    }
  }
}
