package io.dialkv.node;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelFactory;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ServerChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The most connections one listener keeps open at once. A connection over the limit is closed the
 * moment it is accepted, before any TLS or HTTP/2 state exists for it, so a client opening
 * connections in a loop costs the node a file descriptor for a moment each, not memory.
 */
final class ConnectionLimit {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
  private final RateLimitedLog limited = new RateLimitedLog(log, 10, TimeUnit.SECONDS);
  private final int max;
  private final String port;
  private final AtomicInteger open = new AtomicInteger();

  ConnectionLimit(int max, String port) {
    if (max < 1) {
      throw new IllegalArgumentException("the connection limit must be positive, got " + max);
    }
    this.max = max;
    this.port = port;
  }

  int open() {
    return open.get();
  }

  /**
   * Server channels of the loop's kind (epoll or NIO) that keep to the limit: each gets a first
   * handler that sees every accepted connection before the server sets it up.
   */
  ChannelFactory<ServerChannel> serverChannels(boolean epoll) {
    return () -> {
      ServerChannel channel = epoll ? new EpollServerSocketChannel() : new NioServerSocketChannel();
      channel.pipeline().addLast(new Gate());
      return channel;
    };
  }

  private final class Gate extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object accepted) {
      Channel child = (Channel) accepted;
      if (open.incrementAndGet() > max) {
        open.decrementAndGet();
        limited.warn("cap-" + port, "{} port: {} connections open, the limit; closing new ones (from {})", port, max,
            child.remoteAddress());
        child.unsafe().closeForcibly(); // never registered: no TLS, no HTTP/2, nothing to free
        return;
      }
      child.closeFuture().addListener(f -> open.decrementAndGet());
      ctx.fireChannelRead(child);
    }
  }
}
