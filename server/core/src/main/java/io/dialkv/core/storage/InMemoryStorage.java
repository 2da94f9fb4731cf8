package io.dialkv.core.storage;

import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.Hint;
import io.dialkv.core.membership.Member;
import io.dialkv.core.paxos.PaxosState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * Storage in a sorted map. Survives a simulated crash and restart of its node (the test keeps the
 * object), which makes it the durable disk of a simulated cluster.
 */
public final class InMemoryStorage implements Storage {
  private final TreeMap<String, Row> rows = new TreeMap<>();
  private final TreeMap<String, PaxosState> paxos = new TreeMap<>();
  private Map<Integer, Long> repairedRanges = Map.of();
  private List<Member> savedMembers = List.of();
  // Per target, hints in (created, sequence) order, as RocksDB's key order keeps them.
  private final TreeMap<Integer, TreeMap<List<Long>, Hint>> hints = new TreeMap<>();
  private boolean closed;

  @Override
  public synchronized Optional<Row> get(String key) {
    checkOpen();
    return Optional.ofNullable(rows.get(key));
  }

  @Override
  public synchronized void put(String key, Row row) {
    checkOpen();
    rows.put(key, row);
  }

  @Override
  public synchronized void delete(String key) {
    checkOpen();
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
