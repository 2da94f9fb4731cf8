package io.dialkv.client.balancer;

import io.dialkv.client.auth.DialCredentials;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptor;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC channel to a whole dialkv cluster through the {@code dialkv} name resolver and load
 * balancer, on one I/O thread of its own. The {@link io.dialkv.client.DialClient} is built on one;
 * so is the standalone balancer, which forwards calls it does not understand.
 *
 * <p>All connections share the one I/O thread: a reply on one connection that triggers a request on
 * another then costs no thread hand-off, which is most of a request's cost on a small machine.
 * Calls complete on that thread.
 */
public final class BalancedChannel implements AutoCloseable {
  private final EventLoopGroup ioThread;
  private final boolean epoll;
  private final int maxMessageBytes;
  private final ChannelCredentials credentials;
  private final ClientInterceptor token;
  private final ManagedChannel channel;
  private final BalancerTelemetry telemetry = new BalancerTelemetry();

  /**
   * @param seeds host:port of some nodes
   * @param config the balancing policy and its settings
   * @param discover learn the other nodes from the seeds (false: only the seeds, as given)
   * @param refreshInterval how often the topology is asked for again
   * @param maxMessageBytes the largest response accepted
   * @param credentials plaintext or TLS for every connection, and the caller's token if any
   */
  public BalancedChannel(
      List<String> seeds,
      BalancerConfig config,
      boolean discover,
      Duration refreshInterval,
      int maxMessageBytes,
      DialCredentials credentials) {
    ThreadFactory daemon =
        r -> {
          Thread t = new Thread(r, "dialkv-client-io");
          t.setDaemon(true);
          return t;
        };
    this.epoll = Epoll.isAvailable();
    this.ioThread = epoll ? new EpollEventLoopGroup(1, daemon) : new NioEventLoopGroup(1, daemon);
    this.maxMessageBytes = maxMessageBytes;
    this.credentials = credentials.channelCredentials();
    this.token = credentials.tokenInterceptor();
    this.channel =
        configure(NettyChannelBuilder.forTarget(DialNameResolverProvider.target(seeds), this.credentials))
            .defaultServiceConfig(config.toServiceConfig())
            .setNameResolverArg(
                ResolverOptions.KEY,
                new ResolverOptions(discover, refreshInterval, telemetry, this::directChannel))
            // A database client keeps its connections and its view of node health, rather than
            // rediscovering the cluster on the first request after a quiet spell (30 days or more
            // turns gRPC's idle mode off).
            .idleTimeout(30, TimeUnit.DAYS)
            .build();
    // Connect now: the first request then finds the nodes known and their health checked.
    channel.getState(true);
  }

  private NettyChannelBuilder configure(NettyChannelBuilder builder) {
    if (token != null) {
      builder.intercept(token);
    }
    return builder
        .eventLoopGroup(ioThread)
        .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
        // Which calls are safe to repeat is dialkv's decision (see DialClient); gRPC's own retry
        // buffering would only cost CPU.
        .disableRetry()
        // Callbacks only complete futures; running them on the I/O thread saves a hop.
        .directExecutor()
        .maxInboundMessageSize(maxMessageBytes);
  }

  /** The balanced channel. */
  public ManagedChannel channel() {
    return channel;
  }

  /** What the balancer sees of each node. */
  public List<NodeStats> nodes() {
    return telemetry.nodes();
  }

  /**
   * A plain channel to one host:port on the same I/O thread, for calls that must reach that node
   * and no other. The caller shuts it down.
   */
  public ManagedChannel directChannel(String hostPort) {
    return configure(NettyChannelBuilder.forTarget(hostPort, credentials)).build();
  }

  /**
   * Lets requests in flight finish (up to 2 s), then closes every connection. The balancer's own
   * health-watch streams never finish by themselves, so the channel is shut down hard once the
   * requests are done rather than waiting for them.
   */
  @Override
  public void close() {
    channel.shutdown();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
    try {
      while (inFlight() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      channel.shutdownNow();
      channel.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      channel.shutdownNow();
      Thread.currentThread().interrupt();
    }
    ioThread.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  private int inFlight() {
    return telemetry.nodes().stream().mapToInt(NodeStats::inFlight).sum();
  }
}
