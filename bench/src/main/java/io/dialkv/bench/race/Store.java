package io.dialkv.bench.race;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** A store under load: one request of a named workload, numbered {@code n} within its run. */
interface Store extends AutoCloseable {
  /** The workloads this store has an equivalent for, by the race's names. */
  List<String> workloads();

  /** Writes {@code key} as the preload does, at the store's strongest plain write. */
  CompletableFuture<?> preload(String key, byte[] value);

  CompletableFuture<?> request(String workload, String key, byte[] value, long n);

  @Override
  void close();
}
