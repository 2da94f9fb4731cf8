package io.dialkv.node;

import io.dialkv.core.node.DialNode;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.Transport;
import io.dialkv.node.access.Callers;
import io.dialkv.node.access.ClientAccess;
import io.dialkv.node.access.PeerAccess;
import io.dialkv.node.metrics.MetricsServer;
import io.dialkv.node.metrics.ConsistencyMetrics;
import io.dialkv.node.metrics.NodeGauges;
import io.dialkv.node.metrics.RequestMetrics;
import io.dialkv.node.metrics.StorageGauges;
import io.dialkv.node.metrics.TimedTransport;
import io.dialkv.security.Tls;
import io.dialkv.security.Tokens;
import io.grpc.Server;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.grpc.ServerInterceptors;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running node process: the core node on its event loop, RocksDB, the gRPC transport to peers,
 * and two gRPC servers. The client port serves the client API, the cluster service and health
 * (and reflection if asked for), with TLS and per-call roles; the peer port serves only the
 * node-to-node API, with mutual TLS between members. Both bound what one connection or caller can
 * make the node hold: message sizes, concurrent calls, connections, handshake and idle times.
 */
public final class NodeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeServer.class);
  private static final Duration HEALTH_CHECK_INTERVAL = Duration.ofMillis(250);

  private final NodeConfig config;
  private final EventLoopScheduler loop;
  private final RocksDbStorage storage;
  private final Transport transport;
  private final DialNode node;
  private final Tls tls;
  private final HealthStatusManager health = new HealthStatusManager();
  private final ConnectionLimit clientConnections;
  private final ConnectionLimit peerConnections;

  private final Server clientServer;
  private final Server peerServer;
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private volatile MetricsServer metricsServer; // null: no metrics port
  private final InetSocketAddress metricsListen;
  private volatile Scheduler.Cancellable healthTimer;
  private volatile Boolean servingReported;
  private volatile boolean closed;

  /**
   * How a node authenticates: TLS from a certificates folder (both ports), and bearer tokens for
   * clients.
   *
   * @param certsDir ca.crt, node.crt and node.key; null runs both ports in plaintext (insecure)
   * @param tokensFile the clients' tokens, or null for none
   */
  public record Security(Path certsDir, Path tokensFile) {
    /** No TLS, no tokens: anyone who reaches the node may do anything. */
    public static Security insecure() {
      return new Security(null, null);
    }
  }

  /**
   * Process-level settings that the core does not see.
   *
   * @param syncWrites fsync the write-ahead log on every write
   * @param testMode serve the admin (fault injection) API (to callers with the admin role)
   * @param join join a running cluster (stream the ranges the node takes, then serve) instead of
   *     starting as one of a fixed set of members
   * @param reflection serve gRPC server reflection on the client port
   * @param peerListen where the peer port listens; null: at the node's own peer address
   * @param security TLS and tokens
   * @param maxConnections the most client connections open at once
   * @param linkDelay added to every message to a peer and to every answer from one (zero: none):
   *     machines far apart, emulated
   * @param cacheBytes memory for recently used rows and Paxos states beside RocksDB (0: none)
   * @param metricsListen where the metrics port listens (Prometheus text format); null: no metrics port
   */
  public record Options(boolean syncWrites, boolean testMode, boolean join, boolean reflection,
      InetSocketAddress peerListen, Security security, int maxConnections, Duration linkDelay, long cacheBytes,
      InetSocketAddress metricsListen) {
    public static final int DEFAULT_MAX_CONNECTIONS = 1024;

    public static Options defaults() {
      return new Options(false, false, false, false, null, Security.insecure(), DEFAULT_MAX_CONNECTIONS, Duration.ZERO,
          RocksDbStorage.DEFAULT_CACHE_BYTES, null);
    }

    public Options withSecurity(Security s) {
      return new Options(syncWrites, testMode, join, reflection, peerListen, s, maxConnections, linkDelay, cacheBytes, metricsListen);
    }

    public Options withTestMode(boolean on) {
      return new Options(syncWrites, on, join, reflection, peerListen, security, maxConnections, linkDelay, cacheBytes, metricsListen);
    }

    public Options withReflection(boolean on) {
      return new Options(syncWrites, testMode, join, on, peerListen, security, maxConnections, linkDelay, cacheBytes, metricsListen);
    }

    public Options withLinkDelay(Duration delay) {
      return new Options(syncWrites, testMode, join, reflection, peerListen, security, maxConnections, delay, cacheBytes, metricsListen);
    }

    public Options withCacheBytes(long bytes) {
      return new Options(syncWrites, testMode, join, reflection, peerListen, security, maxConnections, linkDelay, bytes, metricsListen);
    }

    public Options withMetricsListen(InetSocketAddress address) {
      return new Options(syncWrites, testMode, join, reflection, peerListen, security, maxConnections, linkDelay, cacheBytes,
          address);
    }

    public Options withMaxConnections(int max) {
      return new Options(syncWrites, testMode, join, reflection, peerListen, security, max, linkDelay, cacheBytes, metricsListen);
    }
  }

  private NodeServer(NodeConfig config, InetSocketAddress listen, Path dataDir, Options options)
      throws IOException {
    this.config = config;
    this.metricsListen = options.metricsListen();
    Security security = options.security();
    this.tls = security.certsDir() == null ? null : Tls.forNode(security.certsDir(), config.nodeId());
    Tokens tokens = security.tokensFile() == null ? null : Tokens.load(security.tokensFile());
    InetSocketAddress peerListen = options.peerListen() != null
        ? options.peerListen()
        : NodeMain.parseAddress(config.members().get(config.nodeId()));
    int peerMessageBytes = config.limits().peerMessageBytes();
    this.loop = new EventLoopScheduler("dialkv-n" + config.nodeId() + "-loop");
    this.storage = RocksDbStorage.open(dataDir, options.syncWrites(), options.cacheBytes());
    LinkRules links = new LinkRules();
    links.delay(options.linkDelay());
    SystemClock clock = new SystemClock();
    this.transport = new TimedTransport(new GrpcTransport(config.members(), loop, peerMessageBytes, links, tls), registry);
    this.node = new DialNode(config, transport, storage, clock, loop);
    ResponseDelay responseDelay = new ResponseDelay(loop);
    this.clientConnections = new ConnectionLimit(options.maxConnections(), "client");
    // A cluster has few nodes, each keeping one connection to each other; the rest is abuse.
    this.peerConnections = new ConnectionLimit(256, "peer");
    // One thread serves everything (see EventLoopScheduler); handlers never block it.
    NettyServerBuilder client =
        bounded(tls == null ? NettyServerBuilder.forAddress(listen) : NettyServerBuilder.forAddress(listen, tls.clientServer()),
                clientConnections)
            .maxInboundMessageSize(config.limits().clientRequestBytes())
            // The standalone balancer multiplexes many clients on one connection per node.
            .maxConcurrentCallsPerConnection(256)
            .maxConnectionIdle(10, TimeUnit.MINUTES)
            // Rotates long-lived connections (and the credentials they were opened with).
            .maxConnectionAge(1, TimeUnit.HOURS)
            .maxConnectionAgeGrace(1, TimeUnit.MINUTES)
            // Only clients: the peer port's callers are members, and it carries most of the calls.
            .intercept(new RequestArrival(loop, RequestArrival.DEFAULT_LIMIT))
            .intercept(new ClientAccess(tokens, tls != null))
            .addService(MalformedRequests.invalidArgument(ServerInterceptors.intercept(new KvService(node, new RequestMetrics(registry)), responseDelay)))
            .addService(MalformedRequests.invalidArgument(new ClusterService(node, this::metricsAddress).bindService()))
            .addService(MalformedRequests.invalidArgument(
                new AdminService(config.nodeId(), links, clock, responseDelay).guarded(options.testMode())))
            .addService(MalformedRequests.invalidArgument(health.getHealthService().bindService()));
    if (options.reflection()) {
      client.addService(MalformedRequests.invalidArgument(ProtoReflectionServiceV1.newInstance().bindService()));
    }
    this.clientServer = client.build();
    PeerAccess peerAccess = new PeerAccess(tls != null, node::memberStatus);
    this.peerServer =
        bounded(tls == null ? NettyServerBuilder.forAddress(peerListen)
                : NettyServerBuilder.forAddress(peerListen, tls.peerServer()), peerConnections)
            .maxInboundMessageSize(peerMessageBytes)
            // A peer sends everything on one stream (and a joining node asks ClusterInfo).
            .maxConcurrentCallsPerConnection(16)
            .maxConnectionIdle(30, TimeUnit.MINUTES)
            .intercept(peerAccess)
            .addService(MalformedRequests.invalidArgument(new PeerService(node, links, peerAccess, loop).bindService()))
            .build();
    // Clients' balancers follow this: NOT_SERVING until the node hears a peer (starting), while it
    // hears none (cut off), while it joins or leaves the cluster, and from the moment it starts
    // draining.
    health.setStatus("", ServingStatus.NOT_SERVING);
    try {
      if (options.join()) {
        node.announceJoining(); // before anything runs on the loop
      }
      start(peerServer, peerListen, "peer");
      start(clientServer, listen, "client");
      if (options.metricsListen() != null) {
        NodeGauges.register(node, registry);
        ConsistencyMetrics.register(node, registry);
        StorageGauges.register(storage, loop, registry);
        JvmMetrics.builder().register(registry);
        metricsServer = MetricsServer.start(
            options.metricsListen(), registry, tls, tokens, () -> Boolean.TRUE.equals(servingReported), "dialkv-n" + config.nodeId());
        log.info("n{}: metrics on {}://{}/metrics", config.nodeId(), tls == null ? "http" : "https", metricsAddress());
      }
      node.start();
    } catch (IOException | RuntimeException e) {
      peerServer.shutdownNow();
      clientServer.shutdownNow();
      if (metricsServer != null) {
        metricsServer.close();
      }
      closeQuietly();
      throw e;
    }
    checkHealth(); // at once: a lone node must not wait a check interval to report SERVING
    log.info(
        "n{}: serving clients on {} and peers on {} ({}; data in {}, {} writes)",
        config.nodeId(),
        listen,
        peerListen,
        tls == null ? "INSECURE: no TLS" : "TLS, certificates in " + tls.dir()
            + (tokens == null ? "" : ", tokens in " + tokens.file()),
        dataDir,
        options.syncWrites() ? "fsync'd" : "write-ahead-logged");
    if (tls == null) {
      log.warn("n{}: INSECURE: the peer port accepts any caller and nothing is encrypted; {}", config.nodeId(),
          tokens == null ? "the client port lets anyone do anything" : "tokens travel in plaintext");
    }
    if (options.testMode()) {
      log.warn("n{}: TEST MODE: admin callers may inject faults through the admin API", config.nodeId());
    }
  }

  /** What both listeners share: the loop, the connection limit, and limits on slow or chatty peers. */
  private NettyServerBuilder bounded(NettyServerBuilder builder, ConnectionLimit connections) {
    return builder
        .bossEventLoopGroup(loop.group())
        .workerEventLoopGroup(loop.group())
        .channelFactory(connections.serverChannels(loop.epoll()))
        .directExecutor()
        .maxInboundMetadataSize(16 << 10)
        .handshakeTimeout(10, TimeUnit.SECONDS)
        .keepAliveTime(2, TimeUnit.MINUTES)
        .keepAliveTimeout(20, TimeUnit.SECONDS)
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        // HTTP/2 "rapid reset": a connection that cancels streams faster than this is closed.
        .maxRstFramesPerWindow(1000, 10)
        .intercept(new BoundedErrors())
        .addTransportFilter(new Callers());
  }

  private static void start(Server server, InetSocketAddress address, String port) throws IOException {
    try {
      server.start();
    } catch (IOException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof BindException || String.valueOf(c.getMessage()).contains("Address already in use")) {
          throw new IOException("cannot listen on " + address + " (" + port + " port): address already in use", e);
        }
      }
      throw new IOException("cannot listen on " + address + " (" + port + " port): " + e.getMessage(), e);
    }
  }

  /**
   * Reports SERVING while the node is a normal member that sees a peer; NOT_SERVING while it
   * joins, leaves or sees no peer. Shuts the process down once the node has left the cluster.
   */
  private void checkHealth() {
    if (node.hasLeft() && !closed) {
      log.info("n{}: has left the cluster; shutting down", config.nodeId());
      new Thread(this::close, "dialkv-n" + config.nodeId() + "-left").start();
      return;
    }
    node.readyToServe()
        .thenAccept(
            serving -> {
              if (closed) {
                return;
              }
              if (!serving.equals(servingReported)) {
                if (servingReported != null || !serving) {
                  log.info(
                      serving
                          ? "n{}: ready; reporting SERVING to clients"
                          : "n{}: joining, leaving or seeing no peer alive; reporting NOT_SERVING to clients",
                      config.nodeId());
                }
                servingReported = serving;
                health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
              }
              healthTimer = loop.schedule(HEALTH_CHECK_INTERVAL, this::checkHealth);
            });
  }

  /** Opens storage, starts serving, and starts heartbeating peers. */
  public static NodeServer start(
      NodeConfig config, InetSocketAddress listen, Path dataDir, Options options) {
    try {
      return new NodeServer(config, listen, dataDir, options);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  /** The client port. */
  public int port() {
    return clientServer.getPort();
  }

  /** The metrics port, or -1 if the node serves no metrics. */
  /** Where this node serves its metrics (host:port), "" if it does not. */
  String metricsAddress() {
    MetricsServer m = metricsServer;
    if (m == null) {
      return "";
    }
    String host = metricsListen.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + m.port();
  }

  public int metricsPort() {
    return metricsServer == null ? -1 : metricsServer.port();
  }

  public int peerPort() {
    return peerServer.getPort();
  }

  public DialNode node() {
    return node;
  }

  /** Client and peer connections open now. */
  public int openConnections() {
    return clientConnections.open() + peerConnections.open();
  }

  /** Blocks until the server stops. */
  public void awaitTermination() throws InterruptedException {
    clientServer.awaitTermination();
    peerServer.awaitTermination();
  }

  /**
   * Graceful stop: report NOT_SERVING, let in-flight requests finish (up to 5 s), stop the event
   * loop, then close storage, so RocksDB is never closed under a running task.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    log.info("n{}: shutting down", config.nodeId());
    if (healthTimer != null) {
      healthTimer.cancel();
    }
    health.enterTerminalState();
    if (metricsServer != null) {
      metricsServer.close();
    }
    clientServer.shutdown();
    peerServer.shutdown();
    try {
      if (!clientServer.awaitTermination(5, TimeUnit.SECONDS)) {
        clientServer.shutdownNow();
      }
      if (!peerServer.awaitTermination(2, TimeUnit.SECONDS)) {
        peerServer.shutdownNow();
      }
    } catch (InterruptedException e) {
      clientServer.shutdownNow();
      peerServer.shutdownNow();
      Thread.currentThread().interrupt();
    }
    closeQuietly();
    log.info("n{}: stopped", config.nodeId());
  }

  private void closeQuietly() {
    node.stop();
    loop.close();
    transport.close();
    storage.close();
    if (tls != null) {
      tls.close();
    }
  }
}
