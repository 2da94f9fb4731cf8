package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dialkv.core.node.NodeConfig;
import io.dialkv.proto.v1.AdminGrpc;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.SetResponseDelayRequest;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A real node server on loopback: what its health service reports, and the admin response delay. */
class NodeServerTest {
  @TempDir Path dir;
  private NodeServer server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Node 1 of {@code members} nodes; the others are never started. */
  private void start(int members, NodeServer.Options options) throws Exception {
    Map<Integer, String> addresses = new TreeMap<>();
    for (int i = 1; i <= members; i++) {
      addresses.put(i, "127.0.0.1:" + freePort());
    }
    int port = freePort(); // the client port; the members' addresses are their peer ports
    server = NodeServer.start(
        NodeConfig.defaults(1, addresses).withReplicationFactor(Math.min(3, members)),
        new InetSocketAddress("127.0.0.1", port), dir, options);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  @Test
  void aNodeAloneInItsClusterServes() throws Exception {
    start(1, NodeServer.Options.defaults());
    await().atMost(Duration.ofSeconds(5)).until(() -> health() == ServingStatus.SERVING);
  }

  @Test
  void aNodeThatHearsNoPeerReportsNotServing() throws Exception {
    start(3, NodeServer.Options.defaults());
    await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
        .until(() -> health() == ServingStatus.NOT_SERVING);
  }

  @Test
  void theAdminResponseDelayHoldsAnswersAndRefusesNonsense() throws Exception {
    start(1, NodeServer.Options.defaults().withTestMode(true));
    AdminGrpc.AdminBlockingStub admin = AdminGrpc.newBlockingStub(channel);
    assertThatThrownBy(() -> admin.setResponseDelay(SetResponseDelayRequest.newBuilder().setDelayMillis(-5).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .hasMessage("INVALID_ARGUMENT: delay_millis is -5, allowed 0 to 60000");

    admin.setResponseDelay(SetResponseDelayRequest.newBuilder().setDelayMillis(300).build());
    GetRequest get = GetRequest.newBuilder().setKey("k").setConsistency(Consistency.ONE).build();
    long start = System.nanoTime();
    DialKvGrpc.newBlockingStub(channel).get(get);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    // Health answers are not delayed: a slow node still says it serves.
    long healthStart = System.nanoTime();
    health();
    assertThat(Duration.ofNanos(System.nanoTime() - healthStart)).isLessThan(Duration.ofMillis(300));

    admin.setResponseDelay(SetResponseDelayRequest.newBuilder().setDelayMillis(0).build());
    start = System.nanoTime();
    DialKvGrpc.newBlockingStub(channel).get(get);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(300));
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAsTheyArrive() throws Exception {
    start(1, NodeServer.Options.defaults().withMaxConnections(10));
    java.util.List<java.net.Socket> sockets = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 30; i++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", server.port());
        s.setSoTimeout(300);
        sockets.add(s);
      }
      int closedByNode = 0;
      for (java.net.Socket s : sockets) {
        try {
          if (s.getInputStream().read() == -1) {
            closedByNode++;
          }
        } catch (java.net.SocketTimeoutException keptOpen) {
          // admitted: the node waits for the client to speak
        } catch (java.net.SocketException reset) {
          closedByNode++;
        }
      }
      assertThat(closedByNode).isEqualTo(20);
      assertThat(server.openConnections()).isEqualTo(10);
    } finally {
      for (java.net.Socket s : sockets) {
        s.close();
      }
    }
    // Slots free up as connections close: a real client gets in again.
    await().atMost(Duration.ofSeconds(5)).until(() -> health() == ServingStatus.SERVING);
  }
}
