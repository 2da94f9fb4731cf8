package io.dialkv.node;

import io.dialkv.core.node.DialNode;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.time.Scheduler;
import io.grpc.Server;
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
 * and a gRPC server with the client API, the cluster and peer services, health and reflection.
 */
public final class NodeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeServer.class);

  private final NodeConfig config;
  private final EventLoopScheduler loop;
  private final RocksDbStorage storage;
  private final GrpcTransport transport;
  private final DialNode node;
  private final HealthStatusManager health = new HealthStatusManager();
  private static final Duration HEALTH_CHECK_INTERVAL = Duration.ofMillis(250);

  private final Server server;
  private volatile Scheduler.Cancellable healthTimer;
  private volatile Boolean servingReported;
  private volatile boolean closed;

  private NodeServer(NodeConfig config, InetSocketAddress listen, Path dataDir, Options options)
      throws IOException {
    this.config = config;
    int maxMessageBytes = Math.max(4 << 20, config.limits().maxValueBytes() * 2 + (64 << 10));
    this.loop = new EventLoopScheduler("dialkv-n" + config.nodeId() + "-loop");
    this.storage = RocksDbStorage.open(dataDir, options.syncWrites());
    LinkRules links = new LinkRules();
    SystemClock clock = new SystemClock();
    this.transport = new GrpcTransport(config.members(), loop, maxMessageBytes, links);
    this.node = new DialNode(config, transport, storage, clock, loop);
    ResponseDelay responseDelay = new ResponseDelay(loop);
    // One thread serves everything (see EventLoopScheduler); handlers never block it.
    this.server =
        NettyServerBuilder.forAddress(listen)
            .bossEventLoopGroup(loop.group())
            .workerEventLoopGroup(loop.group())
            .channelType(loop.serverChannelType())
            .directExecutor()
            .maxInboundMessageSize(maxMessageBytes)
            .addService(ServerInterceptors.intercept(new KvService(node), responseDelay))
            .addService(new ClusterService(node))
            .addService(new PeerService(node, links))
            .addService(
                new AdminService(config.nodeId(), links, clock, responseDelay)
                    .guarded(options.testMode(), options.adminToken()))
            .addService(health.getHealthService())
            .addService(ProtoReflectionServiceV1.newInstance())
            .build();
    // Clients' balancers follow this: NOT_SERVING until the node hears a peer (starting), while it
    // hears none (cut off), while it joins or leaves the cluster, and from the moment it starts
    // draining.
    health.setStatus("", ServingStatus.NOT_SERVING);
    try {
      if (options.join()) {
        node.announceJoining(); // before anything runs on the loop
      }
      server.start();
      node.start();
    } catch (RuntimeException e) {
      server.shutdownNow();
      closeQuietly();
      throw e;
    } catch (IOException e) {
      closeQuietly();
      if (e.getCause() instanceof BindException || e instanceof BindException) {
        throw new IOException("cannot listen on " + listen + ": address already in use", e);
      }
      throw e;
    }
    checkHealth(); // at once: a lone node must not wait a check interval to report SERVING
    log.info(
        "n{}: serving on {} (data in {}, {} writes)",
        config.nodeId(),
        listen,
        dataDir,
        options.syncWrites() ? "fsync'd" : "write-ahead-logged");
    if (options.testMode()) {
      log.warn("n{}: TEST MODE: any client may inject faults through the admin API", config.nodeId());
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

  /**
   * Process-level settings that the core does not see.
   *
   * @param syncWrites fsync the write-ahead log on every write
   * @param testMode serve the admin (fault injection) API to anyone
   * @param adminToken serve the admin API to callers presenting this token (null: nobody)
   * @param join join a running cluster (stream the ranges the node takes, then serve) instead of
   *     starting as one of a fixed set of members
   */
  public record Options(boolean syncWrites, boolean testMode, String adminToken, boolean join) {
    public static Options defaults() {
      return new Options(false, false, null, false);
    }
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

  public int port() {
    return server.getPort();
  }

  public DialNode node() {
    return node;
  }

  /** Blocks until the server stops. */
  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
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
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
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
  }
}
