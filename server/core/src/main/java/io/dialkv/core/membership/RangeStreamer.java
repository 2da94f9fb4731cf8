package io.dialkv.core.membership;

import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.data.Row;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenSpan;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.time.Buggify;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.ApplyRowsRequest;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.FetchRowsResponse;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * Moves rows of token spans from one node to another, page by page, driven by a third node or by
 * either end: each page is read from the source (locally when the source is this node) and merged
 * into the target (likewise). Merging makes a repeated page harmless, so a failed stream can simply
 * be run again. One page at a time, so a move never floods a node; and while this node's clients
 * are pressing (admission control says so) each page waits its turn behind them, up to
 * {@link #MAX_YIELD}, and after a page whose source said its clients were pressing the next waits
 * {@link #SOURCE_BUSY_PAUSE}: a move slows down under a surge without stopping for good.
 */
final class RangeStreamer {
  /** Rows of these spans go from {@code source} to {@code target}. */
  record Transfer(int source, int target, List<TokenSpan> spans) {}

  /** What a stream moved. */
  record Totals(long rows, long bytes) {
    Totals plus(Totals other) {
      return new Totals(rows + other.rows, bytes + other.bytes);
    }
  }

  // A page and one row fit the peer message limit (see RequestLimits), and a page is short enough
  // that the source's event loop (which scans for it) stays responsive.
  static final int PAGE_BYTES = RequestLimits.PAGE_BYTES;
  /** How often a yielding page looks again whether the clients still press. */
  static final Duration YIELD_STEP = Duration.ofMillis(50);
  /** The longest one page waits for the clients: a join must finish even under a long surge. */
  static final Duration MAX_YIELD = Duration.ofSeconds(1);
  /** How long the next page waits when the source said its own clients were pressing. */
  static final Duration SOURCE_BUSY_PAUSE = Duration.ofMillis(250);

  private final int selfId;
  private final ReplicaHandler local;
  private final Transport transport;
  private final Duration timeout;
  private final Scheduler scheduler;
  private final BooleanSupplier foregroundBusy;
  private final NodeCounters counters;
  private long yields;

  RangeStreamer(int selfId, ReplicaHandler local, Transport transport, Duration timeout, Scheduler scheduler,
      BooleanSupplier foregroundBusy, NodeCounters counters) {
    this.selfId = selfId;
    this.counters = counters;
    this.local = local;
    this.transport = transport;
    this.timeout = timeout;
    this.scheduler = scheduler;
    this.foregroundBusy = foregroundBusy;
  }

  /** How many times a page waited for the clients (one per {@link #YIELD_STEP}). */
  long yields() {
    return yields;
  }

  /**
   * Runs the transfers: those from different sources side by side, those from one source one after
   * another (each page costs the source a scan of its rows).
   */
  CompletableFuture<Totals> run(List<Transfer> transfers) {
    Map<Integer, CompletableFuture<Totals>> bySource = new LinkedHashMap<>();
    for (Transfer t : transfers) {
      CompletableFuture<Totals> chain = bySource.get(t.source());
      bySource.put(t.source(), chain == null
          ? page(t, "", new Totals(0, 0), false)
          : chain.thenCompose(sum -> page(t, "", new Totals(0, 0), false).thenApply(sum::plus)));
    }
    CompletableFuture<Totals> all = CompletableFuture.completedFuture(new Totals(0, 0));
    for (CompletableFuture<Totals> chain : bySource.values()) {
      all = all.thenCombine(chain, Totals::plus);
    }
    return all;
  }

  private CompletableFuture<Totals> page(Transfer t, String afterKey, Totals sofar, boolean sourceBusy) {
    return (sourceBusy ? pause(SOURCE_BUSY_PAUSE) : yieldToClients(Duration.ZERO))
        .thenCompose(ready -> fetch(t.source(), t.spans(), afterKey))
        .thenCompose(page -> {
          if (page.rows().isEmpty()) {
            return CompletableFuture.completedFuture(sofar);
          }
          long bytes = 0;
          for (Map.Entry<String, Row> e : page.rows().entrySet()) {
            bytes += e.getValue().approximateBytes(e.getKey());
          }
          Totals now = sofar.plus(new Totals(page.rows().size(), bytes));
          long pageBytes = bytes;
          return apply(t, page.rows()).thenCompose(done -> {
            counters.streamed(page.rows().size(), pageBytes);
            return page.more()
              ? page(t, page.resumeAfter(), now, page.sourceBusy())
              : CompletableFuture.completedFuture(now);
          });
        });
  }

  private CompletableFuture<Void> pause(Duration d) {
    yields += d.toMillis() / YIELD_STEP.toMillis();
    CompletableFuture<Void> later = new CompletableFuture<>();
    scheduler.schedule(d, () -> later.complete(null));
    return later;
  }

  /** Completes once this node's clients are not pressing, or after {@link #MAX_YIELD} at the latest. */
  private CompletableFuture<Void> yieldToClients(Duration waited) {
    if (waited.compareTo(MAX_YIELD) >= 0 || !foregroundBusy.getAsBoolean()) {
      return CompletableFuture.completedFuture(null);
    }
    yields++;
    CompletableFuture<Void> later = new CompletableFuture<>();
    scheduler.schedule(YIELD_STEP, () -> yieldToClients(waited.plus(YIELD_STEP)).thenRun(() -> later.complete(null)));
    return later;
  }

  private CompletableFuture<FetchRowsResponse> fetch(int source, List<TokenSpan> spans, String afterKey) {
    // A page of one byte holds one row (a page always takes the row that fills it).
    int pageBytes = scheduler.buggify(Buggify.STREAM_ONE_ROW_PAGES) ? 1 : PAGE_BYTES;
    if (source == selfId) {
      return CompletableFuture.completedFuture(local.rowsIn(spans, afterKey, pageBytes));
    }
    return transport.send(source, new FetchRowsRequest(selfId, spans, afterKey, pageBytes), timeout);
  }

  private CompletableFuture<Void> apply(Transfer t, Map<String, Row> rows) {
    if (t.target() == selfId) {
      // The same checks a page from a peer gets (rows within limits, timestamps within the bound),
      // and durable before the next page, as a peer's acknowledgement is: a range this node takes
      // over must not come back empty after a crash.
      try {
        return local.handleDurably(new ApplyRowsRequest(t.source(), rows), scheduler::execute).thenApply(ack -> null);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }
    return transport.send(t.target(), new ApplyRowsRequest(selfId, rows), timeout).thenApply(ack -> null);
  }

  /** Sources of each transfer, in the order given, without repeats. */
  static List<Integer> sources(List<Transfer> transfers) {
    List<Integer> sources = new ArrayList<>();
    transfers.stream().map(Transfer::source).filter(s -> !sources.contains(s)).forEach(sources::add);
    return sources;
  }
}
