package io.dialkv.node;

import io.dialkv.core.time.Scheduler;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A slow node on demand (admin API, for tests): holds each answer of the services it intercepts
 * for a set time before sending it, as an overloaded node would, while the node itself keeps
 * working at full speed. With no delay set it costs one volatile read per call.
 */
final class ResponseDelay implements ServerInterceptor {
  private final Scheduler loop;
  private volatile long delayMillis;

  ResponseDelay(Scheduler loop) {
    this.loop = loop;
  }

  void set(long millis) {
    if (millis < 0) {
      throw new IllegalArgumentException("delay_millis must not be negative, got " + millis);
    }
    this.delayMillis = millis;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long millis = delayMillis;
    return next.startCall(millis == 0 ? call : new Delayed<>(call, millis), headers);
  }

  /** Buffers what the handler sends and sends it all, in order, after the delay. */
  private final class Delayed<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private final long millis;
    private final List<Runnable> pending = new ArrayList<>();

    Delayed(ServerCall<Q, R> call, long millis) {
      super(call);
      this.millis = millis;
    }

    @Override
    public void sendHeaders(Metadata headers) {
      pending.add(() -> delegate().sendHeaders(headers));
    }

    @Override
    public void sendMessage(R message) {
      pending.add(() -> delegate().sendMessage(message));
    }

    @Override
    public void close(Status status, Metadata trailers) {
      List<Runnable> sends = List.copyOf(pending);
      pending.clear();
      loop.schedule(
          Duration.ofMillis(millis),
          () -> {
            sends.forEach(Runnable::run);
            delegate().close(status, trailers);
          });
    }
  }
}
