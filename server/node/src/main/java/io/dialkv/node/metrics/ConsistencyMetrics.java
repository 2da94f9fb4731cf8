package io.dialkv.node.metrics;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.node.DialNode;
import io.dialkv.core.stats.NodeCounters;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The consistency story as numbers, from the node's {@link NodeCounters}: reads whose replicas
 * disagreed, read repairs, stale answers at ONE, hints stored / replayed / dropped per target,
 * anti-entropy repair, Paxos rounds and contention retries, and rows moved by range streams.
 *
 * <p>The core counts on its event loop; a scrape takes one snapshot of it (see {@link LoopValue})
 * and every counter here reads from that snapshot.
 */
public final class ConsistencyMetrics {
  private ConsistencyMetrics() {}

  public static void register(DialNode node, PrometheusRegistry registry) {
    LoopValue<NodeCounters.Snapshot> counters = new LoopValue<>(node::counters);
    Registrar r = new Registrar(registry, counters);
    r.counter("dialkv_read_disagreements", "Reads whose replicas disagreed, by level: at QUORUM and ALL the replicas "
        + "that counted, at LINEARIZABLE the promisers, at ONE the replicas a background read repair asked",
        s -> labelled(s.readsDisagreed(), Consistency.values()), "level");
    r.counter("dialkv_read_repairs", "Replicas sent what they lacked of a row a read found; blocking: the reader "
        + "waited for it (QUORUM, ALL, LINEARIZABLE); background: after a ONE read was answered",
        s -> labelled(s.readRepairs(), NodeCounters.ReadRepair.values()), "mode");
    r.counter("dialkv_stale_reads_at_one", "Answers at ONE that a later check found lacking a write another "
        + "replica had (the reads that check: traced reads, and those followed by a background read repair)",
        s -> cb -> cb.call(s.staleReadsAtOne()));
    r.counter("dialkv_hints_stored", "Writes kept as hints for a replica that missed them, by target",
        s -> cb -> s.hintsByTarget().forEach((t, h) -> cb.call(h.stored(), "n" + t)), "target");
    r.counter("dialkv_hints_replayed", "Hints delivered to their replica once it was back, by target",
        s -> cb -> s.hintsByTarget().forEach((t, h) -> cb.call(h.replayed(), "n" + t)), "target");
    r.counter("dialkv_hints_dropped", "Writes for a replica that no hint will deliver, by target and why: "
        + "limit and window (never stored), expired (older than the hint window on replay), refused (by "
        + "the target), target_left; the replica needs anti-entropy repair for them",
        s -> cb -> s.hintsByTarget().forEach((t, h) -> h.dropped().forEach((why, n) ->
            cb.call(n, "n" + t, label(why)))), "target", "reason");
    r.counter("dialkv_repair_sessions", "Anti-entropy repairs this node ran of its ranges",
        s -> cb -> cb.call(s.repair().sessions()));
    r.counter("dialkv_repair_ranges_compared", "Ranges whose replicas' Merkle trees a repair compared",
        s -> cb -> cb.call(s.repair().rangesCompared()));
    r.counter("dialkv_repair_ranges_differing", "Ranges whose replicas a repair found to disagree",
        s -> cb -> cb.call(s.repair().rangesDiffering()));
    r.counter("dialkv_repair_rows_streamed", "Rows a repair wrote to a replica that lacked them",
        s -> cb -> cb.call(s.repair().rowsStreamed()));
    r.counter("dialkv_repair_streamed_bytes", "Approximate bytes of the rows a repair streamed",
        s -> cb -> cb.call(s.repair().bytesStreamed()));
    r.counter("dialkv_paxos_operations", "Linearizable operations this node ran as proposer, by kind, "
        + "whatever their outcome", s -> paxos(s, NodeCounters.Paxos::operations), "kind");
    r.counter("dialkv_paxos_rounds", "Prepare rounds those operations took (rounds / operations: the mean)",
        s -> paxos(s, NodeCounters.Paxos::rounds), "kind");
    r.counter("dialkv_paxos_contention_retries", "Rounds started again because a competing proposer's "
        + "ballot or unfinished proposal was in the way", s -> paxos(s, NodeCounters.Paxos::contentionRetries),
        "kind");
    r.counter("dialkv_stream_rows", "Rows moved by range streams this node drove (joins, departures)",
        s -> cb -> cb.call(s.streamedRows()));
    r.counter("dialkv_stream_bytes", "Approximate bytes of those rows", s -> cb -> cb.call(s.streamedBytes()));
  }

  private static <E extends Enum<E>> Consumer<CounterWithCallback.Callback> labelled(
      Map<E, Long> values, E[] all) {
    return cb -> {
      for (E e : all) {
        cb.call(values.get(e), label(e));
      }
    };
  }

  private static Consumer<CounterWithCallback.Callback> paxos(
      NodeCounters.Snapshot s, ToLongFunction<NodeCounters.Paxos> what) {
    return cb -> s.paxos().forEach((kind, p) -> cb.call(what.applyAsLong(p), label(kind)));
  }

  private static String label(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /** Registers counters that read one shared snapshot per scrape. */
  private record Registrar(PrometheusRegistry registry, LoopValue<NodeCounters.Snapshot> counters) {
    void counter(String name, String help,
        Function<NodeCounters.Snapshot, Consumer<CounterWithCallback.Callback>> values,
        String... labels) {
      CounterWithCallback.builder()
          .name(name)
          .help(help)
          .labelNames(labels)
          .callback(cb -> counters.get().ifPresent(s -> values.apply(s).accept(cb)))
          .register(registry);
    }
  }
}
