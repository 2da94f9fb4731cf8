package io.dialkv.bench.race;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.cli.load.ClosedLoop;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ServerCalls;
import org.junit.jupiter.api.Test;

/** E's client and server: the echo answers with the bytes it was sent, under the race's loop. */
class EchoStoreTest {
  @Test
  void theEchoAnswersWithWhatItWasSent() throws Exception {
    Server server = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
        .addService(ServerServiceDefinition.builder("race.Echo").addMethod(EchoServer.ECHO,
            ServerCalls.asyncUnaryCall((byte[] request, io.grpc.stub.StreamObserver<byte[]> response) -> {
              response.onNext(request);
              response.onCompleted();
            })).build())
        .build().start();
    try (EchoStore echo = new EchoStore("127.0.0.1:" + server.getPort())) {
      byte[] value = "two hundred bytes, or fewer".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      assertThat((byte[]) echo.request(Workloads.ECHO, "k", value, 0).get()).isEqualTo(value);
      ClosedLoop.Result r = new ClosedLoop(Throwable::toString, e -> false)
          .run(n -> echo.request(Workloads.ECHO, "k", value, n), 200, 8, null);
      assertThat(r.done()).isEqualTo(200);
      assertThat(r.failed()).isZero();
    } finally {
      server.shutdownNow();
    }
  }
}
