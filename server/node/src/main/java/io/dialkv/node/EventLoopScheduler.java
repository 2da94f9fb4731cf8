package io.dialkv.node;

import io.dialkv.core.time.Scheduler;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.EventLoop;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocalThread;
import java.time.Duration;
import java.util.concurrent.ThreadFactory;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's event loop, shared by the core and by every gRPC connection of the node: one netty
 * event-loop thread runs the core's tasks and timers, serves incoming calls and receives replies
 * from peers. A request therefore never changes thread inside a node, which on a small machine
 * running several nodes saves most of the cost of a request (thread hand-offs, wake-ups, context
 * switches). Nothing run here may block for long; RocksDB calls take microseconds.
 */
public final class EventLoopScheduler implements Scheduler, AutoCloseable {
  // Seeded from the system's entropy: production needs no replay, only independence between nodes.
  private final SplittableRandom random = new SplittableRandom();
  private static final Logger log = LoggerFactory.getLogger(EventLoopScheduler.class);

  private final EventLoopGroup group;
  private final EventLoop loop;
  private final boolean epoll;

  public EventLoopScheduler(String threadName) {
    // A FastThreadLocalThread, as netty's own factory makes: on any other thread netty's
    // per-thread state (the buffer pool's thread cache, among others) is looked up in the JDK's
    // ThreadLocal map on every use, and pooled buffers skip the thread cache. A JFR profile of
    // LINEARIZABLE writes put 6% of the loop's samples in those lookups alone.
    ThreadFactory threads =
        runnable -> {
          Thread t = new FastThreadLocalThread(runnable, threadName);
          t.setDaemon(true);
          return t;
        };
    this.epoll = Epoll.isAvailable();
    this.group = epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
    this.loop = group.next();
  }

  /** The group gRPC servers and channels of this node must use. */
  public EventLoopGroup group() {
    return group;
  }

  /** Whether the loop is epoll (Linux) rather than NIO: server channels must be of its kind. */
  public boolean epoll() {
    return epoll;
  }

  public Class<? extends Channel> channelType() {
    return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
  }

  @Override
  public void execute(Runnable task) {
    loop.execute(guarded(task));
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    var future = loop.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public boolean inLoop() {
    return loop.inEventLoop();
  }

  @Override
  public RandomGenerator random() {
    return random;
  }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("event loop task failed", e);
      }
    };
  }

  /** Stops the loop after the tasks already queued, waiting up to 5 s. */
  @Override
  public void close() {
    group.shutdownGracefully(0, 5, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
