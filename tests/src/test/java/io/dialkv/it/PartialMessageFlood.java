package io.dialkv.it;

import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannel;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.grpc.netty.shaded.io.netty.util.concurrent.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An attacker's HTTP/2 client: many connections, many streams each, every stream starting a large
 * request message it never finishes (the gRPC frame announces {@code declared} bytes, {@code sent}
 * are sent). A server that buffers partial messages without a bound runs out of memory.
 */
final class PartialMessageFlood implements AutoCloseable {
  private final EventLoopGroup group = new NioEventLoopGroup(1);
  private ByteBuf payload;

  private ByteBuf payload(int declared, int sent) {
    if (payload == null) {
      payload = Unpooled.buffer(5 + sent);
      payload.writeByte(0).writeInt(declared).writeZero(sent);
    }
    return payload;
  }
  private final List<Channel> connections = new ArrayList<>();
  final AtomicInteger streamsOpened = new AtomicInteger();
  final AtomicInteger streamsClosedByServer = new AtomicInteger();

  /**
   * @param token a bearer token to send, or null to send none
   */
  void start(String host, int port, int connectionCount, int streamsPerConnection, int declared, int sent,
      String token) throws Exception {
    SslContext ssl = GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
    for (int c = 0; c < connectionCount; c++) {
      Channel channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
          .handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
              ch.pipeline().addLast(ssl.newHandler(ch.alloc(), host, port),
                  Http2FrameCodecBuilder.forClient().build(),
                  new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()));
            }
          })
          .connect(host, port).syncUninterruptibly().channel();
      connections.add(channel);
      for (int s = 0; s < streamsPerConnection; s++) {
        Future<Http2StreamChannel> opening = new Http2StreamChannelBootstrap(channel)
            .handler(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                streamsClosedByServer.incrementAndGet();
              }
            }).open();
        if (!opening.awaitUninterruptibly(5, TimeUnit.SECONDS) || !opening.isSuccess()) {
          break;
        }
        Http2StreamChannel stream = opening.getNow();
        Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("https")
            .path("/dialkv.v1.DialKv/Put").authority(host + ":" + port)
            .add("content-type", "application/grpc").add("te", "trailers");
        if (token != null) {
          headers.add("authorization", "Bearer " + token);
        }
        stream.write(new DefaultHttp2HeadersFrame(headers, false));
        // Every stream sends the same bytes: one buffer, shared, so the attacker's own memory stays small.
        stream.writeAndFlush(new DefaultHttp2DataFrame(payload(declared, sent).retainedDuplicate(), false));
        streamsOpened.incrementAndGet();
      }
    }
  }

  /** Connections the server has closed so far. */
  int connectionsClosed() {
    return (int) connections.stream().filter(c -> !c.isActive()).count();
  }

  @Override
  public void close() {
    connections.forEach(Channel::close);
    if (payload != null) {
      payload.release();
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
