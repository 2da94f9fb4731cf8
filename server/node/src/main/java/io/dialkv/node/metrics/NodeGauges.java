package io.dialkv.node.metrics;

import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.node.ClusterView;
import io.dialkv.core.node.DialNode;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the node knows about its cluster and its load, read when scraped: members by state and
 * liveness, the failure detector's phi per peer, hints waiting per target, and admission control.
 *
 * <p>The values live on the node's event loop; a scrape (on the metrics server's thread) asks the
 * loop and waits a bounded time, so a stuck loop shows as missing series, not a hung scrape.
 */
public final class NodeGauges {
  private static final Logger log = LoggerFactory.getLogger(NodeGauges.class);
  private static final long WAIT_MS = 1_000;

  private NodeGauges() {}

  public static void register(DialNode node, PrometheusRegistry registry) {
    int self = node.config().nodeId();
    GaugeWithCallback.builder()
        .name("dialkv_members")
        .help("Members this node knows of, by membership state and whether it sees them alive")
        .labelNames("state", "alive")
        .callback(cb -> ask(node.topology()).ifPresent(view -> {
          Map<MemberStatus, int[]> counts = new EnumMap<>(MemberStatus.class);
          for (MemberStatus s : MemberStatus.values()) {
            counts.put(s, new int[2]);
          }
          for (ClusterView.Member m : view.nodes()) {
            counts.get(m.status())[m.alive() ? 1 : 0]++;
          }
          counts.forEach((state, n) -> {
            String label = state.name().toLowerCase(Locale.ROOT);
            cb.call(n[1], label, "true");
            cb.call(n[0], label, "false");
          });
        }))
        .register(registry);
    GaugeWithCallback.builder()
        .name("dialkv_peer_phi")
        .help("The failure detector's suspicion of each peer (phi; above the threshold it counts as down)")
        .labelNames("peer")
        .callback(cb -> ask(node.topology()).ifPresent(view -> {
          for (ClusterView.Member m : view.nodes()) {
            if (m.nodeId() != self && !Double.isNaN(m.phi())) {
              cb.call(Math.max(0.0, m.phi()), "n" + m.nodeId()); // never heard from: +Inf
            }
          }
        }))
        .register(registry);
    GaugeWithCallback.builder()
        .name("dialkv_hints_pending")
        .help("Hinted writes this node holds for a replica that missed them, by target")
        .labelNames("target")
        .callback(cb -> ask(node.pendingHints()).ifPresent(list ->
            list.forEach(h -> cb.call(h.count(), "n" + h.target()))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("dialkv_requests_in_flight")
        .help("Client requests admitted and not yet answered, and the most admitted at once")
        .labelNames("kind")
        .callback(cb -> ask(node.admissionStats()).ifPresent(s -> {
          cb.call(s.inFlight(), "in_flight");
          cb.call(s.limit(), "limit");
        }))
        .register(registry);
    CounterWithCallback.builder()
        .name("dialkv_requests_refused_overload")
        .help("Client requests refused by admission control because the node was full")
        .callback(cb -> ask(node.admissionStats()).ifPresent(s -> cb.call(s.refused())))
        .register(registry);
  }

  private static <T> Optional<T> ask(CompletableFuture<T> answer) {
    try {
      return Optional.of(answer.get(WAIT_MS, TimeUnit.MILLISECONDS));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    } catch (Exception e) {
      log.debug("a metric could not be read from the node: {}", e.toString());
      return Optional.empty();
    }
  }
}
