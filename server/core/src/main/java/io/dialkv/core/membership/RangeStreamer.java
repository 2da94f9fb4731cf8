package io.dialkv.core.membership;

import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.data.Row;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenSpan;
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

/**
 * Moves rows of token spans from one node to another, page by page, driven by a third node or by
 * either end: each page is read from the source (locally when the source is this node) and merged
 * into the target (likewise). Merging makes a repeated page harmless, so a failed stream can simply
 * be run again. One page at a time, so a move never floods a node.
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

  private final int selfId;
  private final ReplicaHandler local;
  private final Transport transport;
  private final Duration timeout;

  RangeStreamer(int selfId, ReplicaHandler local, Transport transport, Duration timeout) {
    this.selfId = selfId;
    this.local = local;
    this.transport = transport;
    this.timeout = timeout;
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
          ? page(t, "", new Totals(0, 0))
          : chain.thenCompose(sum -> page(t, "", new Totals(0, 0)).thenApply(sum::plus)));
    }
    CompletableFuture<Totals> all = CompletableFuture.completedFuture(new Totals(0, 0));
    for (CompletableFuture<Totals> chain : bySource.values()) {
      all = all.thenCombine(chain, Totals::plus);
    }
    return all;
  }

  private CompletableFuture<Totals> page(Transfer t, String afterKey, Totals sofar) {
    return fetch(t.source(), t.spans(), afterKey).thenCompose(page -> {
      if (page.rows().isEmpty()) {
        return CompletableFuture.completedFuture(sofar);
      }
      long bytes = 0;
      for (Map.Entry<String, Row> e : page.rows().entrySet()) {
        bytes += e.getValue().approximateBytes(e.getKey());
      }
      Totals now = sofar.plus(new Totals(page.rows().size(), bytes));
      return apply(t, page.rows()).thenCompose(done -> page.more()
          ? page(t, page.resumeAfter(), now)
          : CompletableFuture.completedFuture(now));
    });
  }

  private CompletableFuture<FetchRowsResponse> fetch(int source, List<TokenSpan> spans, String afterKey) {
    if (source == selfId) {
      return CompletableFuture.completedFuture(local.rowsIn(spans, afterKey, PAGE_BYTES));
    }
    return transport.send(source, new FetchRowsRequest(selfId, spans, afterKey, PAGE_BYTES), timeout);
  }

  private CompletableFuture<Void> apply(Transfer t, Map<String, Row> rows) {
    if (t.target() == selfId) {
      // The same checks a page from a peer gets (rows within limits, timestamps within the bound).
      try {
        local.handle(new ApplyRowsRequest(t.source(), rows));
        return CompletableFuture.completedFuture(null);
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
