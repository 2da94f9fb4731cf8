package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.dialkv.core.node.DialNode;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.storage.InMemoryStorage;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.Transport;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.CompareAndSetRequest;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.GetProfileRequest;
import io.dialkv.proto.v1.GetProfileResponse;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.Profile;
import io.dialkv.proto.v1.PutProfileRequest;
import io.dialkv.proto.v1.PutRequest;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.dialkv.proto.v1.UpdateProfileRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import io.dialkv.node.metrics.RequestMetrics;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The client API over gRPC's in-process transport with real stubs: a one-node cluster, and a
 * three-node cluster whose peers never answer, for the unavailable path.
 */
class KvServiceTest {
  private EventLoopScheduler loop;
  private Server server;
  private ManagedChannel channel;
  private DialKvGrpc.DialKvBlockingStub kv;

  /** A transport to peers that are all down: every send is refused. */
  private static final class NoPeers implements Transport {
    @Override
    public <R extends PeerResponse> CompletableFuture<R> send(int to, PeerRequest<R> r, Duration t) {
      return CompletableFuture.failedFuture(new PeerFailureException(to, "connection refused", false));
    }

    @Override
    public void close() {}
  }

  private PrometheusRegistry registry;

  private void start(int members) throws Exception {
    registry = new PrometheusRegistry();
    Map<Integer, String> addresses = new java.util.TreeMap<>();
    for (int i = 1; i <= members; i++) {
      addresses.put(i, "in-process:" + i);
    }
    NodeConfig config = NodeConfig.defaults(1, addresses);
    loop = new EventLoopScheduler("test-loop");
    DialNode node = new DialNode(config, new NoPeers(), new InMemoryStorage(), new SystemClock(), loop);
    node.start();
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new KvService(node, new RequestMetrics(registry)))
            .addService(new ClusterService(node, () -> ""))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    kv = DialKvGrpc.newBlockingStub(channel);
  }

  @BeforeEach
  void singleNode() throws Exception {
    start(1);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    loop.close();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  @Test
  void putThenGetReturnsTheValueWithProvenance() {
    kv.put(PutRequest.newBuilder().setKey("greeting").setValue(utf8("hello")).setConsistency(Consistency.ALL).build());

    GetResponse r = kv.get(GetRequest.newBuilder().setKey("greeting").setConsistency(Consistency.ONE).build());

    assertThat(r.getFound()).isTrue();
    assertThat(r.getValue().toStringUtf8()).isEqualTo("hello");
    assertThat(r.getProvenance().getCoordinatorNodeId()).isEqualTo(1);
    assertThat(r.getProvenance().getRepliesList()).hasSize(1);
    assertThat(r.getTimestamp().getNodeId()).isEqualTo(1);
  }

  @Test
  void missingKeyIsNotFoundRatherThanAnError() {
    GetResponse r = kv.get(GetRequest.newBuilder().setKey("nobody").build());
    assertThat(r.getFound()).isFalse();
    assertThat(r.getProvenance().getConsistency()).isEqualTo(Consistency.QUORUM); // the default
  }

  @Test
  void profileUpdatesChangeOnlyTheNamedFields() {
    kv.putProfile(
        PutProfileRequest.newBuilder()
            .setProfile(Profile.newBuilder().setUserId("user-42").setDisplayName("A").setEmail("a@x").putAttributes("team", "core"))
            .build());
    kv.updateProfile(
        UpdateProfileRequest.newBuilder().setUserId("user-42").putSet("display_name", "Ada").addUnset("attributes.team").build());

    GetProfileResponse r = kv.getProfile(GetProfileRequest.newBuilder().setUserId("user-42").build());

    assertThat(r.getProfile().getDisplayName()).isEqualTo("Ada");
    assertThat(r.getProfile().getEmail()).isEqualTo("a@x");
    assertThat(r.getProfile().getAttributesMap()).isEmpty();
    assertThat(r.getVersionsList()).extracting(v -> v.getField()).containsExactlyInAnyOrder("display_name", "email");
  }

  @Test
  void badInputGetsInvalidArgumentWithAnActionableMessageAndTheNodeKeepsServing() {
    assertStatus(
        () -> kv.put(PutRequest.newBuilder().setKey("k".repeat(300)).setValue(utf8("v")).build()),
        Status.Code.INVALID_ARGUMENT,
        "key is 300 bytes, limit 256");
    assertStatus(
        () -> kv.put(PutRequest.newBuilder().setKey("").setValue(utf8("v")).build()),
        Status.Code.INVALID_ARGUMENT,
        "key is empty");
    assertStatus(
        () -> kv.put(PutRequest.newBuilder().setKey("big").setValue(ByteString.copyFrom(new byte[(1 << 20) + 10])).build()),
        Status.Code.INVALID_ARGUMENT,
        "value is 1048586 bytes, limit 1048576");
    assertStatus(
        () -> kv.get(GetRequest.newBuilder().setKey("k").setConsistencyValue(9).build()),
        Status.Code.INVALID_ARGUMENT,
        "unknown consistency level 9; use ONE (1), QUORUM (2), ALL (3) or LINEARIZABLE (4)");
    assertStatus(
        () -> kv.updateProfile(UpdateProfileRequest.newBuilder().setUserId("u1").putSet("favourite_colour", "red").build()),
        Status.Code.INVALID_ARGUMENT,
        "unknown profile field 'favourite_colour'");
    assertStatus(
        () -> kv.getProfile(GetProfileRequest.newBuilder().setUserId("").build()),
        Status.Code.INVALID_ARGUMENT,
        "user id '' is not valid");
    assertStatus(
        () -> kv.get(GetRequest.newBuilder().setKey("profile/u1").build()),
        Status.Code.INVALID_ARGUMENT,
        "use the profile calls");

    // Still serving, nothing lost.
    kv.put(PutRequest.newBuilder().setKey("after").setValue(utf8("ok")).build());
    assertThat(kv.get(GetRequest.newBuilder().setKey("after").build()).getValue().toStringUtf8()).isEqualTo("ok");
  }

  @Test
  void everyAnsweredRequestIsCountedByOperationLevelAndOutcome() throws Exception {
    kv.put(PutRequest.newBuilder().setKey("a").setValue(utf8("1")).build()); // level unset: QUORUM
    kv.put(PutRequest.newBuilder().setKey("a").setValue(utf8("2")).setConsistency(Consistency.ONE).build());
    kv.get(GetRequest.newBuilder().setKey("a").setConsistency(Consistency.LINEARIZABLE).build());
    kv.compareAndSet(CompareAndSetRequest.newBuilder().setKey("a").setExpected(utf8("2")).setNewValue(utf8("3")).build());
    assertThatThrownBy(() -> kv.put(PutRequest.newBuilder().setKey("k".repeat(300)).setValue(utf8("v")).build()));
    assertThatThrownBy(() -> kv.get(GetRequest.newBuilder().setKey("k").setConsistencyValue(9).build()));

    String text = metricsText();
    assertThat(text)
        .contains("dialkv_requests_total{level=\"quorum\",operation=\"put\",outcome=\"ok\"} 1.0")
        .contains("dialkv_requests_total{level=\"one\",operation=\"put\",outcome=\"ok\"} 1.0")
        .contains("dialkv_requests_total{level=\"linearizable\",operation=\"get\",outcome=\"ok\"} 1.0")
        .contains("dialkv_requests_total{level=\"linearizable\",operation=\"compare_and_set\",outcome=\"ok\"} 1.0")
        .contains("dialkv_requests_total{level=\"quorum\",operation=\"put\",outcome=\"invalid-argument\"} 1.0")
        .contains("dialkv_requests_total{level=\"unknown\",operation=\"get\",outcome=\"invalid-argument\"} 1.0")
        .contains("dialkv_request_duration_seconds_count{level=\"quorum\",operation=\"put\"} 2")
        .contains("dialkv_requests_total{level=\"all\",operation=\"delete\",outcome=\"ok\"} 0.0");

    stop();
    start(3); // n2 and n3 never heard from
    assertThatThrownBy(() -> kv.put(PutRequest.newBuilder().setKey("b").setValue(utf8("x")).setConsistency(Consistency.ALL).build()));
    assertThat(metricsText())
        .contains("dialkv_requests_total{level=\"all\",operation=\"put\",outcome=\"unavailable\"} 1.0");
  }

  private String metricsText() throws java.io.IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    PrometheusTextFormatWriter.create().write(out, registry.scrape());
    return out.toString(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void tooFewLiveReplicasIsUnavailableNamingNeededAndAlive() throws Exception {
    stop();
    start(3); // peers n2 and n3 never heard from: down

    assertStatus(
        () -> kv.get(GetRequest.newBuilder().setKey("greeting").setConsistency(Consistency.ALL).build()),
        Status.Code.UNAVAILABLE,
        "read needed 3 of 3 replicas, 1 alive (down: n");
    assertStatus(
        () -> kv.put(PutRequest.newBuilder().setKey("greeting").setValue(utf8("x")).setConsistency(Consistency.QUORUM).build()),
        Status.Code.UNAVAILABLE,
        "write needed 2 of 3 replicas, 1 alive");
    // ONE works wherever the coordinator holds a replica of the key.
    kv.put(PutRequest.newBuilder().setKey("greeting").setValue(utf8("x")).setConsistency(Consistency.ONE).build());

    TopologyResponse t = ClusterGrpc.newBlockingStub(channel).topology(TopologyRequest.getDefaultInstance());
    assertThat(t.getNodesList()).extracting(n -> n.getLiveness()).containsExactly(Liveness.UP, Liveness.DOWN, Liveness.DOWN);
    assertThat(t.getReplicationFactor()).isEqualTo(3);
  }

  private static void assertStatus(Runnable call, Status.Code code, String messagePart) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(code);
              assertThat(e.getStatus().getDescription()).contains(messagePart);
            });
  }
}
