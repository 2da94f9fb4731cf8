package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A call whose request never arrives is closed after the limit; one whose request arrives is not. */
class RequestArrivalTest {
  @Test
  void aRequestThatNeverArrivesIsClosedAndOneThatArrivesIsServed() throws Exception {
    EventLoopScheduler loop = new EventLoopScheduler("test-loop");
    String name = InProcessServerBuilder.generateName();
    Server server = InProcessServerBuilder.forName(name)
        .executor(loop.group())
        .addService(ServerInterceptors.intercept(new HealthStatusManager().getHealthService(),
            new RequestArrival(loop, Duration.ofMillis(300))))
        .build()
        .start();
    ManagedChannel channel = InProcessChannelBuilder.forName(name).build();
    try {
      CompletableFuture<Status> closed = new CompletableFuture<>();
      ClientCall<HealthCheckRequest, HealthCheckResponse> call =
          channel.newCall(HealthGrpc.getCheckMethod(), CallOptions.DEFAULT);
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onClose(Status status, Metadata trailers) {
          closed.complete(status);
        }
      }, new Metadata());
      call.request(1); // and never send the request

      Status status = closed.get(5, TimeUnit.SECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(status.getDescription()).isEqualTo("the request did not arrive within 300 ms");

      HealthCheckResponse ok = HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance());
      assertThat(ok.getStatus()).isEqualTo(HealthCheckResponse.ServingStatus.SERVING);
    } finally {
      channel.shutdownNow();
      server.shutdownNow();
      loop.close();
    }
  }
}
