package io.dialkv.it;

import io.dialkv.harness.ProcessCluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dialkv.proto.v1.AdminGrpc;
import io.dialkv.proto.v1.SetLinkRulesRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A node speaks to generic gRPC tooling: the standard health service and server reflection (what
 * grpcurl and load balancers use, the latter when the node is started with --reflection), called
 * here by plain grpc-java stubs over the cluster's TLS with no dialkv code.
 */
class GrpcToolingTest {
  private static ProcessCluster cluster;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    cluster = Clusters.startWith(1, 1, "--reflection");
    cluster.awaitHealthy(Duration.ofSeconds(60));
    channel = NettyChannelBuilder.forTarget(cluster.node(1).endpoint(), cluster.credentials().channelCredentials())
        .build();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    cluster.close();
  }

  @Test
  void faultInjectionIsRefusedUnlessTheNodeRunsInTestMode() {
    assertThatThrownBy(() -> AdminGrpc.newBlockingStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .setLinkRules(SetLinkRulesRequest.newBuilder().addBlockedPeers(2).build()))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
          assertThat(e.getStatus().getDescription())
              .isEqualTo("fault injection is served only by nodes started with --test-mode");
        });
  }

  @Test
  void healthServiceReportsServing() {
    // A started node reports NOT_SERVING until its first health check has run; a lone node then
    // reports SERVING (it needs no peer).
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(
                        HealthGrpc.newBlockingStub(channel)
                            .withDeadlineAfter(5, TimeUnit.SECONDS)
                            .check(HealthCheckRequest.getDefaultInstance())
                            .getStatus())
                    .isEqualTo(HealthCheckResponse.ServingStatus.SERVING));
  }

  @Test
  void reflectionListsTheClientAndClusterServices() throws Exception {
    CompletableFuture<List<String>> services = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests =
        ServerReflectionGrpc.newStub(channel)
            .withDeadlineAfter(5, TimeUnit.SECONDS)
            .serverReflectionInfo(
                new StreamObserver<>() {
                  @Override
                  public void onNext(ServerReflectionResponse r) {
                    services.complete(
                        r.getListServicesResponse().getServiceList().stream()
                            .map(ServiceResponse::getName)
                            .toList());
                  }

                  @Override
                  public void onError(Throwable t) {
                    services.completeExceptionally(t);
                  }

                  @Override
                  public void onCompleted() {}
                });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    requests.onCompleted();

    // The node-to-node API is not on the client port at all.
    assertThat(services.get(10, TimeUnit.SECONDS))
        .contains("dialkv.v1.DialKv", "dialkv.v1.Cluster", "grpc.health.v1.Health")
        .doesNotContain("dialkv.v1.peer.Peer");
  }
}
