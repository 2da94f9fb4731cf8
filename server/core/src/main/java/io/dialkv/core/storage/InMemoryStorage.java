package io.dialkv.core.storage;

import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosState;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Storage in a sorted map. Survives a simulated crash and restart of its node (the test keeps the
 * object), which makes it the durable disk of a simulated cluster.
 */
public final class InMemoryStorage implements Storage {
  private final TreeMap<String, Row> rows = new TreeMap<>();
  private final TreeMap<String, PaxosState> paxos = new TreeMap<>();
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
