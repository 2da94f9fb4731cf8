package io.dialkv.client.balancer;

import io.dialkv.core.ring.TokenRing;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import io.grpc.SynchronizationContext.ScheduledHandle;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dialkv load-balancing policy (see {@link DialLoadBalancerProvider}): keeps one {@link
 * Backend} per node the name resolver reports, and after every change of a node's connection,
 * health or ejection hands gRPC a new {@link DialPicker} built from the nodes' states. Runs in the
 * channel's synchronization context.
 */
final class DialLoadBalancer extends LoadBalancer {
  private static final Logger log = LoggerFactory.getLogger(DialLoadBalancer.class);

  private final Helper helper;
  private final Map<String, Backend> backends = new LinkedHashMap<>();
  private volatile List<Backend> snapshot = List.of();
  private BalancerConfig config = BalancerConfig.defaults("dialkv-client");
  private Chooser chooser = Chooser.of(config.policy().choice(), config.clientId());
  private TokenRing ring;
  // Whether the nodes came from a topology (with ids) rather than from the seeds alone.
  private boolean topologyKnown;
  private boolean shutdown;

  DialLoadBalancer(Helper helper) {
    this.helper = helper;
  }

  Helper helper() {
    return helper;
  }

  SynchronizationContext sync() {
    return helper.getSynchronizationContext();
  }

  BalancerConfig config() {
    return config;
  }

  ScheduledHandle schedule(Runnable task, long delayMillis) {
    return sync().schedule(task, delayMillis, TimeUnit.MILLISECONDS, helper.getScheduledExecutorService());
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    if (resolved.getLoadBalancingPolicyConfig() instanceof BalancerConfig c && !c.equals(config)) {
      config = c;
      chooser = Chooser.of(c.policy().choice(), c.clientId());
    }
    ring = resolved.getAttributes().get(DialNameResolver.RING);
    BalancerTelemetry telemetry = resolved.getAttributes().get(DialNameResolver.TELEMETRY);
    if (telemetry != null) {
      telemetry.attach(this::stats);
    }
    List<EquivalentAddressGroup> groups = resolved.getAddresses();
    if (groups.isEmpty()) {
      Status error = Status.UNAVAILABLE.withDescription("the cluster's topology lists no nodes");
      handleNameResolutionError(error);
      return error;
    }
    Set<String> current = new HashSet<>();
    for (EquivalentAddressGroup group : groups) {
      String address = addressText(group.getAddresses().get(0));
      Integer nodeId = group.getAttributes().get(DialNameResolver.NODE_ID);
      current.add(address);
      Backend backend = backends.get(address);
      if (backend == null) {
        backend = new Backend(this, group, address, nodeId);
        backends.put(address, backend);
        if (nodeId != null && topologyKnown) {
          log.info("balancer: {} joined the client's view", backend.ref());
        }
        backend.connect();
      } else {
        backend.update(group, nodeId);
      }
    }
    for (Iterator<Backend> it = backends.values().iterator(); it.hasNext(); ) {
      Backend backend = it.next();
      if (!current.contains(backend.address)) {
        it.remove();
        if (backend.nodeId() >= 0) {
          log.info("balancer: {} left the client's view", backend.ref());
        }
        backend.shutdown();
      }
    }
    snapshot = List.copyOf(backends.values());
    topologyKnown = groups.get(0).getAttributes().get(DialNameResolver.NODE_ID) != null;
    updatePicker();
    return Status.OK;
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (backends.isEmpty()) {
      helper.updateBalancingState(
          ConnectivityState.TRANSIENT_FAILURE,
          new DialPicker(List.of(), List.of(), false, error, null, chooser, false));
    }
  }

  /** Builds a picker from the nodes' states now and hands it to gRPC. */
  void updatePicker() {
    if (shutdown) {
      return;
    }
    List<Backend> healthy = new ArrayList<>();
    List<Backend> fallback = new ArrayList<>();
    List<String> unusable = new ArrayList<>();
    boolean connecting = false;
    for (Backend b : backends.values()) {
      switch (b.state()) {
        case HEALTHY -> healthy.add(b);
        case NOT_SERVING, EJECTED -> fallback.add(b);
        case CONNECTING -> connecting = true;
        case DOWN -> unusable.add(b.describe());
      }
    }
    ConnectivityState state =
        !healthy.isEmpty() || !fallback.isEmpty()
            ? ConnectivityState.READY
            : connecting ? ConnectivityState.CONNECTING : ConnectivityState.TRANSIENT_FAILURE;
    Status failure =
        Status.UNAVAILABLE.withDescription("no dialkv node reachable: " + String.join(", ", unusable));
    helper.updateBalancingState(
        state,
        new DialPicker(healthy, fallback, connecting, failure, ring, chooser, config.policy().tokenAware()));
  }

  /** Whether a node other than {@code b} could take its requests. */
  boolean anyOtherUsable(Backend b) {
    for (Backend other : backends.values()) {
      if (other != b && other.state() == NodeState.HEALTHY) {
        return true;
      }
    }
    return false;
  }

  private List<NodeStats> stats() {
    List<NodeStats> list = new ArrayList<>();
    for (Backend b : snapshot) {
      list.add(b.stats());
    }
    return list;
  }

  @Override
  public void requestConnection() {
    backends.values().forEach(b -> {
      if (b.subchannel() != null) {
        b.subchannel().requestConnection();
      }
    });
  }

  @Override
  public void shutdown() {
    shutdown = true;
    backends.values().forEach(Backend::shutdown);
    backends.clear();
    snapshot = List.of();
  }

  /** host:port as the topology names a node (the literal host given, not a reverse lookup). */
  static String addressText(SocketAddress address) {
    if (address instanceof InetSocketAddress inet) {
      return inet.getHostString() + ":" + inet.getPort();
    }
    return address.toString();
  }
}
