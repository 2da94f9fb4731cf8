package io.dialkv.proxy;

import io.dialkv.client.balancer.BalancedChannel;
import io.dialkv.client.balancer.BalancerPolicy;
import io.dialkv.client.balancer.NodeState;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.client.balancer.Rendezvous;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFutureListener;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone balancer in L4 mode: each TCP connection is given to one node, chosen by the
 * policy among the nodes the balancer sees healthy, and its bytes relayed both ways untouched. The
 * choice is made once per connection; gRPC clients keep one HTTP/2 connection and multiplex every
 * request on it, so all of a client's requests land on the node its connection was given — which
 * is why L4 balancing of gRPC is uneven. A node that refuses the connection is skipped for the
 * next. Token-awareness needs the request, which L4 does not see.
 */
public final class TcpProxy implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);

  private final BalancedChannel view;
  private final BalancerPolicy.Choice choice;
  private final EventLoopGroup group;
  private final Channel listener;
  private final boolean epoll = Epoll.isAvailable();
  private final AtomicInteger nextRoundRobin = new AtomicInteger();
  private final Map<String, AtomicInteger> openConnections = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> totalConnections = new ConcurrentHashMap<>();

  /**
   * @param listen where clients connect
   * @param view the nodes and their health, as a balanced channel's balancer sees them
   * @param choice how a node is chosen for each new connection
   */
  private TcpProxy(InetSocketAddress listen, BalancedChannel view, BalancerPolicy.Choice choice)
      throws InterruptedException {
    this.view = view;
    this.choice = choice;
    this.group = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
    Class<? extends ServerChannel> serverType =
        epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(serverType)
            .childOption(ChannelOption.AUTO_READ, false)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    ch.pipeline().addLast(new Frontend());
                  }
                });
    try {
      this.listener = bootstrap.bind(listen).sync().channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      throw new IllegalStateException("cannot listen on " + listen + ": " + e.getMessage(), e);
    }
  }

  /** Starts relaying connections received on {@code listen}. */
  public static TcpProxy start(InetSocketAddress listen, BalancedChannel view, BalancerPolicy.Choice choice) {
    try {
      return new TcpProxy(listen, view, choice);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    }
  }

  public int port() {
    return ((InetSocketAddress) listener.localAddress()).getPort();
  }

  /** Connections given to each node (host:port) since the start. */
  public Map<String, Long> connectionsPerNode() {
    Map<String, Long> map = new java.util.TreeMap<>();
    totalConnections.forEach((k, v) -> map.put(k, v.get()));
    return map;
  }

  /**
   * The nodes to try for a new connection from {@code clientIp}, best first: the policy's choice
   * among healthy nodes, then the other healthy nodes, then any node not known to be down.
   */
  List<String> candidates(String clientIp) {
    List<NodeStats> nodes = view.nodes();
    List<NodeStats> healthy = new ArrayList<>();
    List<NodeStats> others = new ArrayList<>();
    for (NodeStats n : nodes) {
      if (n.state() == NodeState.HEALTHY) {
        healthy.add(n);
      } else if (n.state() != NodeState.DOWN) {
        others.add(n);
      }
    }
    List<NodeStats> ordered = new ArrayList<>(healthy);
    switch (choice) {
      case ROUND_ROBIN -> {
        if (!ordered.isEmpty()) {
          java.util.Collections.rotate(ordered, -Math.floorMod(nextRoundRobin.getAndIncrement(), ordered.size()));
        }
      }
      case LEAST_CONNECTIONS -> ordered.sort(Comparator.comparingInt(n -> open(n.address()).get()));
      case IP_HASH -> {
        long client = Rendezvous.hash(clientIp);
        ordered.sort(Comparator.comparing(
            (NodeStats n) -> Rendezvous.score(client, Rendezvous.hash(Rendezvous.nodeKey(n.nodeId(), n.address()))),
            Long::compareUnsigned).reversed());
      }
    }
    ordered.addAll(others);
    return ordered.stream().map(NodeStats::address).toList();
  }

  private AtomicInteger open(String address) {
    return openConnections.computeIfAbsent(address, a -> new AtomicInteger());
  }

  @Override
  public void close() {
    listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    view.close();
  }

  /**
   * Relays what one side of a connection reads to the other side, and closes the other side when
   * this one closes. The node's side knows its peer from the start; the client's side learns it
   * once the connection to a node is made.
   */
  private static class Relay extends ChannelInboundHandlerAdapter {
    protected volatile Channel peer;

    Relay(Channel peer) {
      this.peer = peer;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      ctx.read();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      relay(ctx.channel(), peer, msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      closeAfterFlush(peer);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      closeAfterFlush(ctx.channel());
    }
  }

  /** The client's side: on accepting, connects to the first node that takes the connection. */
  private final class Frontend extends Relay {
    Frontend() {
      super(null);
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
      List<String> order = candidates(remote.getAddress().getHostAddress());
      connect(ctx.channel(), order, 0);
    }

    private void connect(Channel client, List<String> order, int index) {
      if (index >= order.size()) {
        log.warn("balancer (l4): no node accepted a connection for {}; closing it", client.remoteAddress());
        client.close();
        return;
      }
      String address = order.get(index);
      int colon = address.lastIndexOf(':');
      new Bootstrap()
          .group(client.eventLoop())
          .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
          .option(ChannelOption.AUTO_READ, false)
          .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 2_000)
          .handler(new Relay(client))
          .connect(address.substring(0, colon), Integer.parseInt(address.substring(colon + 1)))
          .addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
              connect(client, order, index + 1);
              return;
            }
            peer = f.channel();
            open(address).incrementAndGet();
            totalConnections.computeIfAbsent(address, a -> new AtomicLong()).incrementAndGet();
            peer.closeFuture().addListener(c -> open(address).decrementAndGet());
            client.read();
          });
    }
  }

  /** Writes to the other side and reads more only once it is written: back-pressure both ways. */
  private static void relay(Channel from, Channel to, Object msg) {
    to.writeAndFlush(msg).addListener((ChannelFutureListener) f -> {
      if (f.isSuccess()) {
        from.read();
      } else {
        f.channel().close();
      }
    });
  }

  private static void closeAfterFlush(Channel channel) {
    if (channel != null && channel.isActive()) {
      channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }
}
