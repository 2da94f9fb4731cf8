package io.dialkv.client.balancer;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.MoreExecutors;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.NodeState;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import io.grpc.SynchronizationContext.ScheduledHandle;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns the cluster from its seeds: asks one known node for the topology (every node answers
 * with all members, their addresses and tokens), publishes one address per node with its id, and
 * the token ring, and asks again every refresh interval and whenever the balancer reports trouble.
 * A node that does not answer is skipped for the next one; until some node answers, the seeds
 * themselves are the addresses. All state is confined to the channel's synchronization context.
 */
final class DialNameResolver extends NameResolver {
  static final Attributes.Key<Integer> NODE_ID = Attributes.Key.create("dialkv-node-id");
  static final Attributes.Key<TokenRing> RING = Attributes.Key.create("dialkv-ring");
  static final Attributes.Key<BalancerTelemetry> TELEMETRY = Attributes.Key.create("dialkv-telemetry");

  private static final Logger log = LoggerFactory.getLogger(DialNameResolver.class);
  private static final long TOPOLOGY_DEADLINE_MILLIS = 2_000;
  private static final long MIN_REFRESH_GAP_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  private final List<String> seeds;
  private final ResolverOptions options;
  private final SynchronizationContext sync;
  private final ScheduledExecutorService timer;
  private final String authority;
  private final Map<String, ManagedChannel> topologyChannels = new HashMap<>();

  private Listener2 listener;
  private List<String> askable;
  private int askNext;
  private int failuresInRow;
  private boolean fetching;
  private long lastFetchNanos = System.nanoTime() - MIN_REFRESH_GAP_NANOS;
  private List<Object> published;
  private ScheduledHandle refreshTimer;
  private boolean shutdown;

  DialNameResolver(List<String> seeds, ResolverOptions options, NameResolver.Args args) {
    this.seeds = List.copyOf(seeds);
    this.options = options;
    this.sync = args.getSynchronizationContext();
    this.timer = args.getScheduledExecutorService();
    this.askable = this.seeds;
    this.authority = seeds.get(0);
  }

  @Override
  public String getServiceAuthority() {
    return authority;
  }

  @Override
  public void start(Listener2 listener) {
    this.listener = listener;
    publishSeeds();
    if (options.discover()) {
      fetch();
      long every = options.refreshInterval().toNanos();
      refreshTimer = sync.scheduleWithFixedDelay(this::fetch, every, every, TimeUnit.NANOSECONDS, timer);
    }
  }

  /** The balancer saw a node fail: ask again soon, but not more than twice a second. */
  @Override
  public void refresh() {
    if (options.discover() && System.nanoTime() - lastFetchNanos >= MIN_REFRESH_GAP_NANOS) {
      fetch();
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (refreshTimer != null) {
      refreshTimer.cancel();
    }
    topologyChannels.values().forEach(ManagedChannel::shutdownNow);
    topologyChannels.clear();
  }

  private void publishSeeds() {
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    for (String seed : seeds) {
      groups.add(new EquivalentAddressGroup(socketAddress(seed)));
    }
    publish(groups, null, List.of("seeds", seeds));
  }

  private void fetch() {
    if (fetching || shutdown) {
      return;
    }
    fetching = true;
    lastFetchNanos = System.nanoTime();
    String address = askable.get(Math.floorMod(askNext, askable.size()));
    ManagedChannel channel = topologyChannels.computeIfAbsent(address, options.channelFactory());
    Futures.addCallback(
        ClusterGrpc.newFutureStub(channel)
            .withDeadlineAfter(TOPOLOGY_DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
            .topology(TopologyRequest.getDefaultInstance()),
        new FutureCallback<TopologyResponse>() {
          @Override
          public void onSuccess(TopologyResponse response) {
            sync.execute(() -> onTopology(response));
          }

          @Override
          public void onFailure(Throwable t) {
            sync.execute(() -> onFailed(address, Status.fromThrowable(t)));
          }
        },
        MoreExecutors.directExecutor());
  }

  private void onFailed(String address, Status status) {
    fetching = false;
    if (shutdown) {
      return;
    }
    askNext++;
    failuresInRow++;
    if (failuresInRow == askable.size()) {
      log.info("no dialkv node answered a topology request (last: {}: {}); keeping the nodes known so far",
          address, status.getCode());
    }
    // Try the next known node at once, once around the list; after that, wait for the timer.
    if (failuresInRow < askable.size()) {
      fetch();
    }
  }

  private void onTopology(TopologyResponse response) {
    fetching = false;
    failuresInRow = 0;
    if (shutdown || response.getNodesCount() == 0) {
      return;
    }
    List<EquivalentAddressGroup> groups = new ArrayList<>();
    Map<Integer, List<Long>> tokens = new HashMap<>();
    LinkedHashSet<String> addresses = new LinkedHashSet<>();
    List<Object> signature = new ArrayList<>();
    signature.add(response.getReplicationFactor());
    for (NodeInfo node : response.getNodesList()) {
      // A node whose client address the answering node has not heard yet (a cluster just
      // starting) is in the ring, but there is nowhere to connect to until it has.
      if (!node.getAddress().isEmpty()) {
        Attributes attrs = Attributes.newBuilder().set(NODE_ID, node.getNodeId()).build();
        groups.add(new EquivalentAddressGroup(socketAddress(node.getAddress()), attrs));
        addresses.add(node.getAddress());
      }
      // A joining node gets writes but owns no key until it is normal: it is not in the ring yet.
      if (node.getState() != NodeState.NODE_STATE_JOINING) {
        tokens.put(node.getNodeId(), node.getTokensList());
      }
      signature.add(List.of(node.getNodeId(), node.getAddress(), node.getTokensList(), node.getState()));
    }
    addresses.addAll(seeds);
    askable = List.copyOf(addresses);
    if (signature.equals(published)) {
      return;
    }
    TokenRing ring = null;
    try {
      if (tokens.values().stream().noneMatch(List::isEmpty)) {
        ring = TokenRing.of(tokens, response.getReplicationFactor());
      }
    } catch (IllegalArgumentException e) {
      log.warn("the topology's token ring is unusable ({}); balancing without token awareness", e.getMessage());
    }
    log.debug("topology from n{}: {} nodes", response.getAnsweredByNodeId(), groups.size());
    publish(groups, ring, signature);
  }

  private void publish(List<EquivalentAddressGroup> groups, TokenRing ring, List<Object> signature) {
    published = signature;
    Attributes.Builder attrs = Attributes.newBuilder();
    if (ring != null) {
      attrs.set(RING, ring);
    }
    if (options.telemetry() != null) {
      attrs.set(TELEMETRY, options.telemetry());
    }
    listener.onResult2(
        ResolutionResult.newBuilder()
            .setAddressesOrError(StatusOr.fromValue(groups))
            .setAttributes(attrs.build())
            .build());
  }

  private static InetSocketAddress socketAddress(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
