package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dialkv.client.balancer.BalancedChannel;
import io.dialkv.client.balancer.BalancerConfig;
import io.dialkv.client.balancer.BalancerPolicy;
import io.dialkv.client.balancer.NodeState;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.PutRequest;
import io.dialkv.proxy.GrpcProxy;
import io.dialkv.proxy.TcpProxy;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The standalone balancer in front of five real nodes, used by plain gRPC clients (generated stubs
 * on a plain channel: no dialkv client code, as grpcurl or another language would be). Each
 * response's provenance names the node that coordinated it, which shows where requests landed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneBalancerTest {
  private static final Logger log = LoggerFactory.getLogger(StandaloneBalancerTest.class);
  private static ProcessCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = Clusters.start(5, 3);
    cluster.awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static BalancedChannel backends(String policy) {
    BalancedChannel channel =
        new BalancedChannel(
            cluster.endpoints(),
            BalancerConfig.defaults("standalone-test").withPolicy(BalancerPolicy.parse(policy)),
            true,
            Duration.ofSeconds(1),
            16 << 20,
            cluster.credentials());
    await().atMost(Duration.ofSeconds(15)).until(() -> channel.nodes().stream()
        .filter(n -> n.state() == NodeState.HEALTHY).count() == cluster.nodeIds().stream()
            .filter(id -> cluster.node(id).isAlive()).count());
    return channel;
  }

  /** A client of the L7 proxy: plaintext, as a grpcurl or another language's client would be. */
  private static ManagedChannel plainChannel(int port) {
    return ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  /** A client through the L4 proxy: its TLS goes through to the node, end to end. */
  private static ManagedChannel tlsChannel(int port) {
    return io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress("127.0.0.1", port,
        cluster.credentials().channelCredentials()).build();
  }

  /** Puts and reads back {@code count} keys; returns requests per coordinating node. */
  private static Map<Integer, Integer> putAndGet(ManagedChannel channel, String prefix, int count) {
    DialKvGrpc.DialKvBlockingStub kv = DialKvGrpc.newBlockingStub(channel);
    Map<Integer, Integer> coordinators = new HashMap<>();
    for (int i = 0; i < count; i++) {
      String key = prefix + i;
      kv.withDeadlineAfter(5, TimeUnit.SECONDS).put(PutRequest.newBuilder().setKey(key)
          .setValue(ByteString.copyFromUtf8("v" + i)).setConsistency(Consistency.QUORUM).build());
      GetResponse r = kv.withDeadlineAfter(5, TimeUnit.SECONDS).get(
          GetRequest.newBuilder().setKey(key).setConsistency(Consistency.QUORUM).build());
      assertThat(r.getValue().toStringUtf8()).isEqualTo("v" + i);
      coordinators.merge(r.getProvenance().getCoordinatorNodeId(), 1, Integer::sum);
    }
    return coordinators;
  }

  @Test
  @Order(1)
  void l7SpreadsTheRequestsOfOneConnectionOverEveryNodeAndRoutesThemToReplicas() {
    try (GrpcProxy proxy = GrpcProxy.start(new InetSocketAddress("127.0.0.1", 0), backends("round-robin"))) {
      ManagedChannel channel = plainChannel(proxy.port());
      try {
        Map<Integer, Integer> coordinators = putAndGet(channel, "l7-", 500);
        log.info("l7 round-robin, one client connection: reads coordinated per node {}", coordinators);
        assertThat(coordinators).hasSize(5);
        assertThat(coordinators.values()).allSatisfy(n -> assertThat(n).isBetween(80, 120));
        assertThat(HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
            .isEqualTo(ServingStatus.SERVING);
      } finally {
        channel.shutdownNow();
      }
    }
    try (GrpcProxy proxy = GrpcProxy.start(new InetSocketAddress("127.0.0.1", 0), backends("token-aware"))) {
      ManagedChannel channel = plainChannel(proxy.port());
      try {
        DialKvGrpc.DialKvBlockingStub kv = DialKvGrpc.newBlockingStub(channel);
        for (int i = 0; i < 200; i++) {
          GetResponse r = kv.get(GetRequest.newBuilder().setKey("l7-" + i).setConsistency(Consistency.ONE).build());
          assertThat(r.getProvenance().getReplicasList()).contains(r.getProvenance().getCoordinatorNodeId());
        }
      } finally {
        channel.shutdownNow();
      }
    }
  }

  @Test
  @Order(2)
  void l4PinsEachConnectionToOneNode() {
    try (TcpProxy proxy = TcpProxy.start(
        new InetSocketAddress("127.0.0.1", 0), backends("round-robin"), BalancerPolicy.Choice.ROUND_ROBIN)) {
      List<Map<Integer, Integer>> perClient = new ArrayList<>();
      for (int c = 0; c < 5; c++) {
        ManagedChannel channel = tlsChannel(proxy.port());
        try {
          perClient.add(putAndGet(channel, "l4-" + c + "-", 100));
        } finally {
          channel.shutdownNow();
        }
      }
      log.info("l4 round-robin, five clients one after another: reads coordinated per node {}", perClient);
      // Each client's one HTTP/2 connection went to one node: all its requests landed there.
      assertThat(perClient).allSatisfy(m -> assertThat(m).hasSize(1));
      // Round-robin gave the five connections to five different nodes.
      assertThat(perClient.stream().map(m -> m.keySet().iterator().next()).distinct()).hasSize(5);
      assertThat(proxy.connectionsPerNode().values()).containsOnly(1L);
    }
  }

  @Test
  @Order(3)
  void l7SurvivesTheKillOfANodeBehindIt() throws Exception {
    try (GrpcProxy proxy = GrpcProxy.start(new InetSocketAddress("127.0.0.1", 0), backends("token-aware"))) {
      ManagedChannel channel = plainChannel(proxy.port());
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong ok = new AtomicLong();
      List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      putAndGet(channel, "kill-", 100);
      List<Thread> readers = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int reader = t;
        Thread thread = new Thread(() -> {
          DialKvGrpc.DialKvBlockingStub kv = DialKvGrpc.newBlockingStub(channel);
          for (int i = 0; !stop.get() && i < 100_000; i++) {
            try {
              kv.withDeadlineAfter(5, TimeUnit.SECONDS).get(GetRequest.newBuilder()
                  .setKey("kill-" + ((i + reader) % 100)).setConsistency(Consistency.QUORUM).build());
              ok.incrementAndGet();
            } catch (StatusRuntimeException e) {
              failures.add(e.getStatus().toString());
            }
          }
        }, "reader-" + t);
        thread.start();
        readers.add(thread);
      }
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() > 500);
        cluster.node(4).kill();
        await().atMost(Duration.ofSeconds(15)).until(() -> proxy.nodes().stream()
            .anyMatch(n -> n.nodeId() == 4 && n.state() != NodeState.HEALTHY));
        long atDown = ok.get();
        await().atMost(Duration.ofSeconds(30)).until(() -> ok.get() > atDown + 1_000);
      } finally {
        stop.set(true);
        for (Thread t : readers) {
          t.join(10_000);
        }
        channel.shutdownNow();
      }
      log.info("l7 with n4 killed: {} reads ok, {} failed, {} retried by the proxy; nodes {}",
          ok.get(), failures.size(), proxy.retried(), proxy.nodes().stream().map(NodeStats::toString).toList());
      assertThat(failures).as("reads failed through the L7 balancer").isEmpty();
    } finally {
      cluster.node(4).start();
    }
  }
}
