package io.dialkv.node.metrics;

import io.dialkv.node.RocksDbStorage;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.ToLongFunction;

/**
 * What RocksDB holds and has yet to do: bytes on disk, in memtables, compaction owed.
 *
 * <p>Read on the node's event loop, the only thread that touches the database, so a scrape can
 * never read a database being closed (the loop stops before storage closes; a scrape then gets
 * no storage series).
 */
public final class StorageGauges {
  private StorageGauges() {}

  public static void register(RocksDbStorage storage, Executor loop, PrometheusRegistry registry) {
    LoopValue<RocksDbStorage.EngineStats> stats =
        new LoopValue<>(() -> CompletableFuture.supplyAsync(storage::engineStats, loop));
    gauge(registry, stats, "dialkv_storage_sst_bytes", "Bytes of RocksDB's sorted files on disk",
        RocksDbStorage.EngineStats::sstBytes);
    gauge(registry, stats, "dialkv_storage_memtable_bytes", "Bytes in RocksDB's memtables, not yet flushed",
        RocksDbStorage.EngineStats::memtableBytes);
    gauge(registry, stats, "dialkv_storage_pending_compaction_bytes",
        "RocksDB's estimate of the bytes compaction has yet to rewrite", RocksDbStorage.EngineStats::pendingCompactionBytes);
    gauge(registry, stats, "dialkv_storage_running_compactions", "Compactions running now",
        RocksDbStorage.EngineStats::runningCompactions);
    gauge(registry, stats, "dialkv_storage_estimated_rows", "RocksDB's estimate of the rows this node holds",
        RocksDbStorage.EngineStats::estimatedRows);
  }

  private static void gauge(PrometheusRegistry registry, LoopValue<RocksDbStorage.EngineStats> stats,
      String name, String help, ToLongFunction<RocksDbStorage.EngineStats> value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> stats.get().ifPresent(s -> {
          long v = value.applyAsLong(s);
          if (v >= 0) {
            cb.call(v);
          }
        }))
        .register(registry);
  }
}
