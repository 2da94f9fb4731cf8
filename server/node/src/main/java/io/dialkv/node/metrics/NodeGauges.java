package io.dialkv.node.metrics;

import io.dialkv.core.handoff.PendingHints;
import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.node.ClusterView;
import io.dialkv.core.node.DialNode;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the node knows about its cluster and its load, read when scraped: members by state and
 * liveness, the failure detector's phi per peer, hints waiting per target, and admission control.
 *
 * <p>The values live on the node's event loop and are read through {@link LoopValue}: one ask of
 * the loop per scrape, waited for a bounded time.
 */
public final class NodeGauges {
  private NodeGauges() {}

  public static void register(DialNode node, PrometheusRegistry registry) {
    int self = node.config().nodeId();
    LoopValue<ClusterView> topology = new LoopValue<>(node::topology);
    LoopValue<DialNode.AdmissionStats> admission = new LoopValue<>(node::admissionStats);
    LoopValue<List<PendingHints>> hints = new LoopValue<>(node::pendingHints);
    GaugeWithCallback.builder()
        .name("dialkv_members")
        .help("Members this node knows of, by membership state and whether it sees them alive")
        .labelNames("state", "alive")
        .callback(cb -> topology.get().ifPresent(view -> {
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
        .callback(cb -> topology.get().ifPresent(view -> {
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
        .callback(cb -> hints.get().ifPresent(list ->
            list.forEach(h -> cb.call(h.count(), "n" + h.target()))))
        .register(registry);
    GaugeWithCallback.builder()
        .name("dialkv_requests_in_flight")
        .help("Client requests admitted and not yet answered, and the most admitted at once")
        .labelNames("kind")
        .callback(cb -> admission.get().ifPresent(s -> {
          cb.call(s.inFlight(), "in_flight");
          cb.call(s.limit(), "limit");
        }))
        .register(registry);
    CounterWithCallback.builder()
        .name("dialkv_requests_refused_overload")
        .help("Client requests refused by admission control because the node was full")
        .callback(cb -> admission.get().ifPresent(s -> cb.call(s.refused())))
        .register(registry);
  }
}
