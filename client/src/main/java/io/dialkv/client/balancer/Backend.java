package io.dialkv.client.balancer;

import io.dialkv.core.admission.AdmissionControl;
import io.dialkv.core.admission.LatencyLimit;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.CreateSubchannelArgs;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext.ScheduledHandle;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node behind the balancer: its connection (a subchannel), what its health service says,
 * requests in flight, and its outlier-ejection state. Mutated only in the channel's
 * synchronization context, except the counters, which stream tracers update from I/O threads; the
 * picker reads the volatile fields from any thread.
 */
final class Backend {
  private static final Logger log = LoggerFactory.getLogger(Backend.class);
  private static final long MIN_RECONNECT_MILLIS = 250;
  private static final long MAX_RECONNECT_MILLIS = 5_000;
  private static final long HEALTH_RETRY_MILLIS = 1_000;

  private final DialLoadBalancer owner;
  final String address;
  private EquivalentAddressGroup group;
  private volatile int nodeId;
  private volatile long hashSeed;

  private volatile Subchannel subchannel;
  private volatile ConnectivityState connectivity = ConnectivityState.IDLE;
  // Failed since it was last READY: reconnecting counts as down, not as connecting.
  private volatile boolean failedSinceReady;
  private Status lastError;
  private int reconnectAttempts;
  private ScheduledHandle reconnectTimer;

  private volatile ServingStatus health;
  private ClientCall<HealthCheckRequest, HealthCheckResponse> healthCall;

  private final AtomicInteger inFlight = new AtomicInteger();
  private final Throttle throttle = new Throttle(System::nanoTime);
  // What this client may have in flight here, learned from the latency it sees; guarded by itself.
  private final LatencyLimit limit = new LatencyLimit(
      AdmissionControl.Settings.DEFAULT_MIN_LIMIT, AdmissionControl.Settings.DEFAULT_MAX_IN_FLIGHT);
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private volatile boolean ejected;
  private volatile int ejections;
  private long lastEjectionEndNanos;
  private ScheduledHandle ejectionTimer;
  private boolean shutdown;

  private final ClientStreamTracer.Factory tracerFactory =
      new ClientStreamTracer.Factory() {
        @Override
        public ClientStreamTracer newClientStreamTracer(ClientStreamTracer.StreamInfo info, Metadata headers) {
          return new CallTracer(info.getCallOptions().getOption(Route.KEY));
        }
      };

  Backend(DialLoadBalancer owner, EquivalentAddressGroup group, String address, Integer nodeId) {
    this.owner = owner;
    this.group = group;
    this.address = address;
    setNodeId(nodeId);
  }

  // ---- read from any thread ----------------------------------------------------------------

  int nodeId() {
    return nodeId;
  }

  long hashSeed() {
    return hashSeed;
  }

  int inFlight() {
    return inFlight.get();
  }

  /** Whether this client holds a request back from the node (see {@link Throttle}). */
  boolean throttles(double draw) {
    return throttle.rejects(draw);
  }

  /**
   * Whether one more request from this client fits here: always, unless the client limits what it
   * has in flight and requests here queue past the limit it learned (see {@link LatencyLimit}).
   */
  boolean hasRoom() {
    if (!owner.config().limitInFlight()) {
      return true;
    }
    synchronized (limit) {
      return limit.allows(inFlight.get());
    }
  }

  /** The limit this client keeps to here now, for the message of a request it held back. */
  int inFlightLimit() {
    synchronized (limit) {
      return limit.limit();
    }
  }

  Subchannel subchannel() {
    return subchannel;
  }

  ClientStreamTracer.Factory tracerFactory() {
    return tracerFactory;
  }

  Route.NodeRef ref() {
    return new Route.NodeRef(nodeId, address);
  }

  NodeState state() {
    if (connectivity != ConnectivityState.READY) {
      return failedSinceReady ? NodeState.DOWN : NodeState.CONNECTING;
    }
    if (ejected) {
      return NodeState.EJECTED;
    }
    ServingStatus h = health;
    if (h == null) {
      return NodeState.CONNECTING;
    }
    return h == ServingStatus.SERVING ? NodeState.HEALTHY : NodeState.NOT_SERVING;
  }

  NodeStats stats() {
    return new NodeStats(nodeId, address, state(), inFlight.get(), requests.sum(), failures.sum(), ejections);
  }

  /** Why the node is not usable, for the error a request gets when no node is. */
  String describe() {
    String name = ref().toString();
    return switch (state()) {
      case DOWN -> name + " down" + (lastError == null ? "" : " (" + lastError.getCode()
          + (lastError.getDescription() == null ? "" : ": " + lastError.getDescription()) + ")");
      case EJECTED -> name + " ejected after repeated failures";
      case NOT_SERVING -> name + " not serving";
      case CONNECTING -> name + " connecting";
      case HEALTHY -> name + " healthy";
    };
  }

  // ---- synchronization context only --------------------------------------------------------

  void update(EquivalentAddressGroup group, Integer nodeId) {
    this.group = group;
    setNodeId(nodeId);
  }

  private void setNodeId(Integer id) {
    this.nodeId = id == null ? -1 : id;
    this.hashSeed = Rendezvous.hash(Rendezvous.nodeKey(nodeId, address));
  }

  void connect() {
    Subchannel sc =
        owner.helper().createSubchannel(
            CreateSubchannelArgs.newBuilder()
                .setAddresses(group)
                .setAttributes(Attributes.EMPTY)
                .build());
    subchannel = sc;
    sc.start(info -> onState(sc, info));
    sc.requestConnection();
  }

  private void onState(Subchannel sc, ConnectivityStateInfo info) {
    if (sc != subchannel || shutdown) {
      return;
    }
    ConnectivityState state = info.getState();
    ConnectivityState before = connectivity;
    switch (state) {
      case READY -> {
        connectivity = state;
        if (failedSinceReady) {
          log.info("balancer: {} is reachable again", ref());
        }
        failedSinceReady = false;
        lastError = null;
        reconnectAttempts = 0;
        watchHealth();
      }
      case IDLE -> {
        // The node closed the connection (a graceful restart, an idle timeout): connect again.
        connectivity = state;
        stopHealthWatch();
        sc.requestConnection();
      }
      case TRANSIENT_FAILURE -> {
        connectivity = state;
        stopHealthWatch();
        lastError = info.getStatus();
        if (before == ConnectivityState.READY || !failedSinceReady) {
          log.info("balancer: {} is down ({})", ref(), info.getStatus().getCode());
        }
        failedSinceReady = true;
        scheduleReconnect();
        owner.helper().refreshNameResolution();
      }
      case CONNECTING -> connectivity = state;
      case SHUTDOWN -> {
        return;
      }
    }
    owner.updatePicker();
  }

  /**
   * gRPC's own reconnect back-off grows to two minutes, far too long for a node that restarts in
   * seconds. A fresh subchannel after a short, growing delay (0.25 s doubling to 5 s) finds a
   * restarted node within 5 seconds.
   */
  private void scheduleReconnect() {
    if (reconnectTimer != null && reconnectTimer.isPending()) {
      return;
    }
    long delay = Math.min(MIN_RECONNECT_MILLIS << Math.min(reconnectAttempts, 10), MAX_RECONNECT_MILLIS);
    reconnectAttempts++;
    reconnectTimer = owner.schedule(() -> {
      if (!shutdown && connectivity == ConnectivityState.TRANSIENT_FAILURE) {
        Subchannel old = subchannel;
        connect();
        old.shutdown();
      }
    }, delay);
  }

  /** Follows the node's grpc.health.v1 Watch stream over this very connection. */
  private void watchHealth() {
    stopHealthWatch();
    health = null;
    ClientCall<HealthCheckRequest, HealthCheckResponse> call =
        subchannel.asChannel().newCall(HealthGrpc.getWatchMethod(), CallOptions.DEFAULT);
    healthCall = call;
    ClientCalls.asyncServerStreamingCall(
        call,
        HealthCheckRequest.newBuilder().setService("").build(),
        new StreamObserver<>() {
          @Override
          public void onNext(HealthCheckResponse response) {
            owner.sync().execute(() -> {
              if (healthCall == call) {
                setHealth(response.getStatus());
              }
            });
          }

          @Override
          public void onError(Throwable t) {
            owner.sync().execute(() -> onHealthWatchEnded(call, Status.fromThrowable(t)));
          }

          @Override
          public void onCompleted() {
            owner.sync().execute(() -> onHealthWatchEnded(call, Status.OK));
          }
        });
  }

  private void onHealthWatchEnded(ClientCall<?, ?> call, Status status) {
    if (healthCall != call || shutdown) {
      return;
    }
    healthCall = null;
    if (status.getCode() == Status.Code.UNIMPLEMENTED) {
      // A server without the health service: its being connected is all we can know.
      setHealth(ServingStatus.SERVING);
      return;
    }
    if (connectivity == ConnectivityState.READY) {
      owner.schedule(() -> {
        if (!shutdown && healthCall == null && connectivity == ConnectivityState.READY) {
          watchHealth();
        }
      }, HEALTH_RETRY_MILLIS);
    }
  }

  private void setHealth(ServingStatus status) {
    ServingStatus before = health;
    health = status;
    if (before != status && (before != null || status != ServingStatus.SERVING)) {
      log.info("balancer: {} reports {}", ref(), status);
    }
    owner.updatePicker();
  }

  private void stopHealthWatch() {
    if (healthCall != null) {
      ClientCall<?, ?> call = healthCall;
      healthCall = null;
      call.cancel("connection changed", null);
    }
    health = null;
  }

  /**
   * Ejects this node for a while, 1 s by default and doubling with each ejection that follows soon
   * after the last, unless every other node is unusable: ejecting the last node helps nobody.
   */
  private void eject() {
    if (ejected || shutdown) {
      return;
    }
    int threshold = owner.config().ejectAfterFailures();
    if (consecutiveFailures.get() < threshold) {
      return;
    }
    if (!owner.anyOtherUsable(this)) {
      return;
    }
    long now = System.nanoTime();
    long maxMillis = owner.config().maxEjection().toMillis();
    if (ejections > 0 && now - lastEjectionEndNanos > TimeUnit.MILLISECONDS.toNanos(2 * maxMillis)) {
      ejections = 0;
    }
    ejections++;
    long millis = Math.min(owner.config().baseEjection().toMillis() << Math.min(ejections - 1, 20), maxMillis);
    ejected = true;
    log.info("balancer: {} ejected for {} ms after {} failed requests in a row (ejection {})",
        ref(), millis, consecutiveFailures.get(), ejections);
    ejectionTimer = owner.schedule(() -> {
      ejected = false;
      consecutiveFailures.set(0);
      lastEjectionEndNanos = System.nanoTime();
      log.info("balancer: {} back in rotation after its ejection", ref());
      owner.updatePicker();
    }, millis);
    owner.updatePicker();
  }

  void shutdown() {
    shutdown = true;
    stopHealthWatch();
    if (reconnectTimer != null) {
      reconnectTimer.cancel();
    }
    if (ejectionTimer != null) {
      ejectionTimer.cancel();
    }
    subchannel.shutdown();
  }

  /**
   * Counts one request to this node, and tells whether it failed because of the node (connection
   * lost, no answer within the deadline) rather than with an answer of the cluster's, which
   * carries dialkv's error trailer (too few replicas, a bad request).
   */
  private final class CallTracer extends ClientStreamTracer {
    private final Route route;
    private final long startedNanos = System.nanoTime();
    // Whether this call teaches the limit; false when the client does not limit itself.
    private final boolean tracked = owner.config().limitInFlight();
    private final boolean calm;
    private volatile String errorKind;

    CallTracer(Route route) {
      this.route = route;
      int before = inFlight.getAndIncrement();
      boolean roomy = false;
      if (tracked) {
        synchronized (limit) {
          roomy = limit.calm(before);
        }
      }
      calm = roomy;
      requests.increment();
    }

    @Override
    public void outboundHeaders() {
      if (route != null) {
        route.markSent();
      }
    }

    @Override
    public void inboundTrailers(Metadata trailers) {
      errorKind = CallFailure.kind(trailers);
    }

    @Override
    public void streamClosed(Status status) {
      inFlight.decrementAndGet();
      if (status.getCode() == Status.Code.CANCELLED) {
        return;
      }
      boolean refused = CallFailure.overloaded(errorKind);
      throttle.record(!refused);
      if (tracked && !refused && !CallFailure.brokenConnection(status.getCode(), errorKind)) {
        // An answer, or no answer within the deadline: how long requests take here. A refusal is
        // quick because nothing was done, and a broken connection says nothing about queueing.
        long now = System.nanoTime();
        synchronized (limit) {
          limit.learn(now - startedNanos, calm, inFlight.get(), now);
        }
      }
      if (!nodeFault(status)) {
        consecutiveFailures.set(0);
        return;
      }
      failures.increment();
      if (consecutiveFailures.incrementAndGet() >= owner.config().ejectAfterFailures() && !ejected) {
        owner.sync().execute(Backend.this::eject);
      }
    }

    private boolean nodeFault(Status status) {
      String kind = errorKind;
      Status.Code code = status.getCode();
      return CallFailure.brokenConnection(code, kind)
          || code == Status.Code.DEADLINE_EXCEEDED && kind == null
          || code == Status.Code.INTERNAL;
    }
  }
}
