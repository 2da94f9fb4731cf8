package io.dialkv.node.metrics;

import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.Transport;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The node's {@link Transport}, timed: how long each call to a peer took, from send to answer or
 * failure, and how many failed, per peer. A seam decorator, so the core and the simulation know
 * nothing of it.
 *
 * <p>The transport's contract confines {@link #send} and the completions to the node's event
 * loop, so the per-peer data points are kept in a plain map; peers are the cluster's members, and
 * past {@link #MAX_PEERS} of them the rest share one {@code other} series.
 */
public final class TimedTransport implements Transport {
  static final int MAX_PEERS = 256;
  private static final double[] SECONDS = {
    0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5
  };

  private final Transport inner;
  private final Histogram durations;
  private final Counter failures;
  private final Map<Integer, Peer> peers = new HashMap<>();

  private record Peer(DistributionDataPoint duration, CounterDataPoint failures) {}

  public TimedTransport(Transport inner, PrometheusRegistry registry) {
    this.inner = inner;
    this.durations = Histogram.builder()
        .name("dialkv_peer_call_duration_seconds")
        .help("Time from sending a request to a peer (replica reads and writes, Paxos, hints, streams) "
            + "to its answer or failure, by peer")
        .labelNames("peer")
        .classicOnly()
        .classicUpperBounds(SECONDS)
        .register(registry);
    this.failures = Counter.builder()
        .name("dialkv_peer_call_failures")
        .help("Requests to a peer that failed: timed out, refused, or the connection was lost, by peer")
        .labelNames("peer")
        .register(registry);
  }

  @Override
  public <R extends PeerResponse> CompletableFuture<R> send(int to, PeerRequest<R> request, Duration timeout) {
    Peer peer = peer(to);
    long sent = System.nanoTime();
    CompletableFuture<R> answer = inner.send(to, request, timeout);
    answer.whenComplete((r, failure) -> {
      peer.duration.observe((System.nanoTime() - sent) / 1e9);
      if (failure != null) {
        peer.failures.inc();
      }
    });
    return answer;
  }

  private Peer peer(int id) {
    Peer peer = peers.get(id);
    if (peer == null) {
      String label = peers.size() < MAX_PEERS ? "n" + id : "other";
      peer = new Peer(durations.labelValues(label), failures.labelValues(label));
      peers.put(id, peer);
    }
    return peer;
  }

  @Override
  public void learnAddresses(Map<Integer, String> addresses) {
    inner.learnAddresses(addresses);
  }

  @Override
  public void close() {
    inner.close();
  }
}
