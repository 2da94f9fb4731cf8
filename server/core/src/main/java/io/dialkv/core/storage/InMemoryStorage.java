package io.dialkv.core.storage;

import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.Hint;
import io.dialkv.core.membership.Member;
import io.dialkv.core.paxos.PaxosState;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import java.util.function.LongSupplier;

/**
 * Storage in a sorted map. Survives a simulated crash and restart of its node (the test keeps the
 * object), which makes it the durable disk of a simulated cluster.
 *
 * <p>It keeps its contract as RocksDB does: a row or Paxos state stored is safe from a crash of
 * the process only once {@link #synced} completes, which takes a task of the node's loop (RocksDB
 * writes its log out once per loop turn). {@link #crashLosingUnsynced} is a crash at that moment:
 * what no {@code synced} covered yet is gone, as an unwritten log buffer is.
 *
 * <p>A power loss takes more, unless the node syncs its writes ({@code --sync-writes}, {@link
 * #syncWrites}): without, what was written out sits in the operating system's page cache until
 * its periodic write-back ({@link #osWriteBack}), and {@link #crashLosingPower} loses that too,
 * acknowledged or not. With it, {@code synced} means on disk and a power loss loses no more than
 * a killed process. (Members, hints and repair history are kept through a power loss: the model
 * covers rows and Paxos states.)
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
  // Without sync: for each one written out but not yet on disk, what a power loss would leave.
  private final Map<String, Optional<Row>> rowsBeforeDisk = new HashMap<>();
  private final Map<String, Optional<PaxosState>> paxosBeforeDisk = new HashMap<>();
  private boolean syncWrites;
  private LongSupplier nanos;
  private long writeBackNanos;
  private long writeBackEpoch;

  /** Whether {@link #synced} reaches the disk (fsync), as with {@code --sync-writes}; off at first. */
  public synchronized void syncWrites(boolean on) {
    this.syncWrites = on;
  }

  @Override
  public synchronized boolean syncsToDisk() {
    return syncWrites;
  }

  /**
   * Writes the page cache back at every multiple of {@code every} on the clock {@code nanos}, as an
   * operating system's flusher does (worked out when the disk is next touched: it takes no task).
   */
  public synchronized void writeBackEvery(Duration every, LongSupplier nanos) {
    this.writeBackNanos = every.toNanos();
    this.nanos = nanos;
    this.writeBackEpoch = nanos.getAsLong() / writeBackNanos;
  }

  /** A write-back that is due (a multiple of its period passed since the last one) happens now. */
  private void writeBackIfDue() {
    if (nanos != null) {
      long epoch = nanos.getAsLong() / writeBackNanos;
      if (epoch != writeBackEpoch) {
        writeBackEpoch = epoch;
        osWriteBack();
      }
    }
  }

  /** The operating system's periodic write-back of its page cache: what was written out is on disk. */
  public synchronized void osWriteBack() {
    rowsBeforeDisk.clear();
    paxosBeforeDisk.clear();
  }

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
    writeBackIfDue(); // what an earlier write-out left in the page cache is on disk by now
    if (!syncWrites) {
      rowsBeforeWriteOut.forEach(rowsBeforeDisk::putIfAbsent);
      paxosBeforeWriteOut.forEach(paxosBeforeDisk::putIfAbsent);
    }
    rowsBeforeWriteOut.clear();
    paxosBeforeWriteOut.clear();
  }

  /**
   * Closes as a killed process leaves its data: every row and Paxos state stored since the last
   * write-out goes back to what it was before.
   */
  public synchronized void crashLosingUnsynced() {
    undo(rowsBeforeWriteOut, rows);
    undo(paxosBeforeWriteOut, paxos);
    rowsBeforeWriteOut.clear();
    paxosBeforeWriteOut.clear();
    closed = true;
  }

  /**
   * Closes as a power loss leaves the disk: as {@link #crashLosingUnsynced}, and without sync also
   * every row and Paxos state written out since the last {@link #osWriteBack} goes back to what
   * the disk held.
   */
  public synchronized void crashLosingPower() {
    writeBackIfDue();
    undo(rowsBeforeWriteOut, rows);
    undo(paxosBeforeWriteOut, paxos);
    undo(rowsBeforeDisk, rows); // older than what the write-out undid: applied last
    undo(paxosBeforeDisk, paxos);
    rowsBeforeWriteOut.clear();
    paxosBeforeWriteOut.clear();
    osWriteBack();
    closed = true;
  }

  private static <V> void undo(Map<String, Optional<V>> before, TreeMap<String, V> into) {
    before.forEach((key, old) -> {
      if (old.isPresent()) {
        into.put(key, old.get());
      } else {
        into.remove(key);
      }
    });
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
