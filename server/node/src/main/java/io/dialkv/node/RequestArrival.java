package io.dialkv.node;

import io.dialkv.core.time.Scheduler;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.time.Duration;

/**
 * A call whose request has not arrived whole within a time limit is closed, and what it had sent
 * so far is freed. Without it a client could start many large requests, never finish them, and hold
 * the node's network buffers for as long as it keeps the connection open.
 *
 * <p>Calls run on the node's event loop, as does the timer, so closing needs no lock.
 */
final class RequestArrival implements ServerInterceptor {
  static final Duration DEFAULT_LIMIT = Duration.ofSeconds(30);
  private final Scheduler loop;
  private final Duration limit;

  RequestArrival(Scheduler loop, Duration limit) {
    this.loop = loop;
    this.limit = limit;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    boolean[] arrived = {false};
    Scheduler.Cancellable timer = loop.schedule(limit, () -> {
      if (!arrived[0]) {
        call.close(Status.DEADLINE_EXCEEDED.withDescription("the request did not arrive within "
            + (limit.toSeconds() > 0 ? limit.toSeconds() + " s" : limit.toMillis() + " ms")), new Metadata());
      }
    });
    return new SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
      @Override
      public void onMessage(Q message) {
        if (!arrived[0]) {
          arrived[0] = true;
          timer.cancel();
        }
        super.onMessage(message);
      }

      @Override
      public void onCancel() {
        timer.cancel();
        super.onCancel();
      }

      @Override
      public void onComplete() {
        timer.cancel();
        super.onComplete();
      }
    };
  }
}
