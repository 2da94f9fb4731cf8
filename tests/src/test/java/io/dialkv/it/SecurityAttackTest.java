package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.client.auth.DialCredentials;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.PutResponse;
import io.dialkv.proto.v1.RepairResponse;
import io.dialkv.proto.v1.SetLinkRulesRequest;
import io.dialkv.proto.v1.Timestamp;
import io.dialkv.proto.v1.TopologyResponse;
import io.dialkv.proto.v1.peer.Cell;
import io.dialkv.proto.v1.peer.CommitRequest;
import io.dialkv.proto.v1.peer.FetchRowsRequest;
import io.dialkv.proto.v1.peer.HeartbeatRequest;
import io.dialkv.proto.v1.peer.MemberRecord;
import io.dialkv.proto.v1.peer.PrepareRequest;
import io.dialkv.proto.v1.peer.Proposal;
import io.dialkv.proto.v1.peer.ProposeRequest;
import io.dialkv.proto.v1.peer.RangeDigestRequest;
import io.dialkv.proto.v1.peer.RangeRowsRequest;
import io.dialkv.proto.v1.peer.ReplicaReadRequest;
import io.dialkv.proto.v1.peer.ReplicaWriteRequest;
import io.dialkv.proto.v1.peer.Row;
import io.dialkv.proto.v1.peer.TokenSpan;
import io.dialkv.security.CertificateAuthority;
import io.dialkv.security.Role;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * A default (secure) cluster of node processes, attacked the way an outsider on the same host
 * would: an ordinary gRPC client with no credentials, with a valid client certificate or token (not
 * a node's), with a node certificate of a node that is not a member, and even with a member's own
 * certificate. Every attack is refused with a status that says why, and afterwards the cluster
 * serves with every acknowledged write intact.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SecurityAttackTest {
  private static final long YEAR_2100 = 4_102_444_800_000L;
  private static final Timestamp UNBEATABLE = Timestamp.newBuilder()
      .setPhysicalMillis(Long.MAX_VALUE).setLogical(Integer.MAX_VALUE).setNodeId(Integer.MAX_VALUE).build();
  private static ProcessCluster cluster;
  private static DialClient admin;
  private static final Map<String, String> acknowledged = new LinkedHashMap<>();
  private static final List<ManagedChannel> channels = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    cluster = Clusters.start(3, 3);
    cluster.awaitHealthy(Duration.ofSeconds(60));
    CertificateAuthority ca = CertificateAuthority.open(cluster.caDir());
    ca.issueClient("mallory", Role.READWRITE, Duration.ofDays(1), cluster.certsDir("mallory"));
    ca.issueNode(9, List.of(), Duration.ofDays(1), cluster.certsDir("n9"));
    admin = cluster.client();
    for (int i = 0; i < 30; i++) {
      write("acked-" + i, "v" + i);
    }
  }

  @AfterAll
  static void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (admin != null) {
      admin.close();
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  private static void write(String key, String value) {
    admin.put(key, value.getBytes(StandardCharsets.UTF_8), Consistency.ALL);
    acknowledged.put(key, value);
  }

  private static ManagedChannel track(ManagedChannel c) {
    channels.add(c);
    return c;
  }

  private static String peer(int node) {
    return cluster.node(node).peerEndpoint();
  }

  private static String client(int node) {
    return cluster.node(node).endpoint();
  }

  /** Peer channels as each kind of attacker has them. */
  private static ManagedChannel asMember(int node, int to) {
    return track(RawGrpc.asNode(peer(to), cluster.certsDir("n" + node), node));
  }

  private static ManagedChannel asStrangerNode(int to) {
    return track(RawGrpc.asNode(peer(to), cluster.certsDir("n9"), 9));
  }

  private static ManagedChannel withClientCertificate(String endpoint) {
    return track(RawGrpc.channel(endpoint, DialCredentials.tls(cluster.certsDir("mallory")).channelCredentials()));
  }

  private static ManagedChannel withCaOnly(String endpoint) {
    return track(RawGrpc.channel(endpoint, DialCredentials.tls(cluster.certsDir("ca-only")).channelCredentials()));
  }

  private static Timestamp ts(long millis) {
    return Timestamp.newBuilder().setPhysicalMillis(millis).setNodeId(1).build();
  }

  private static Row row(String value, Timestamp at) {
    return Row.newBuilder().addCells(Cell.newBuilder().setName("value")
        .setValue(ByteString.copyFromUtf8(value)).setTimestamp(at)).build();
  }

  /** One forged request of every kind of peer call, as node {@code from} would send it. */
  private static Map<String, com.google.protobuf.MessageLite> forgedPeerCalls(int from) {
    Map<String, com.google.protobuf.MessageLite> calls = new LinkedHashMap<>();
    calls.put("Write", ReplicaWriteRequest.newBuilder().setFromNodeId(from).setKey("acked-0")
        .setMutation(row("poison", UNBEATABLE)).build());
    calls.put("Read", ReplicaReadRequest.newBuilder().setFromNodeId(from).setKey("acked-0").build());
    calls.put("Prepare", PrepareRequest.newBuilder().setFromNodeId(from).setKey("acked-0").setBallot(UNBEATABLE).build());
    calls.put("Propose", ProposeRequest.newBuilder().setFromNodeId(from).setKey("acked-0").setCommitIfAccepted(true)
        .setProposal(Proposal.newBuilder().setBallot(ts(YEAR_2100)).setUpdate(row("poison", ts(YEAR_2100)))).build());
    calls.put("Commit", CommitRequest.newBuilder().setFromNodeId(from).setKey("acked-0").setProposal(
        Proposal.newBuilder().setBallot(ts(YEAR_2100)).setUpdate(row("poison", ts(YEAR_2100)))).build());
    calls.put("FetchRows", FetchRowsRequest.newBuilder().setFromNodeId(from)
        .addSpans(TokenSpan.newBuilder().setStart(0).setEnd(0)).setMaxBytes(1 << 20).build());
    calls.put("RangeRows", RangeRowsRequest.newBuilder().setFromNodeId(from).addLeaves(0).setMaxBytes(1 << 20).build());
    calls.put("RangeDigest", RangeDigestRequest.newBuilder().setFromNodeId(from).addRanges(0).build());
    calls.put("Heartbeat", HeartbeatRequest.newBuilder().setFromNodeId(from).setClock(ts(YEAR_2100)).build());
    return calls;
  }

  private static void assertEveryPeerCall(ManagedChannel channel, int from, Function<String, Status.Code> expected,
      String description) {
    forgedPeerCalls(from).forEach((method, request) -> {
      Status status = RawGrpc.peer(channel, method, request);
      assertThat(status.getCode()).as(method + ": " + status).isEqualTo(expected.apply(method));
      if (description != null) {
        assertThat(status.getDescription()).as(method).contains(description);
      }
    });
  }

  @Test
  @Order(1)
  void thePeerServiceIsNotOnTheClientPort() {
    ManagedChannel c = track(RawGrpc.channel(client(1), cluster.credentials().channelCredentials()));
    forgedPeerCalls(1).forEach((method, request) ->
        assertThat(RawGrpc.peer(c, method, request).getCode()).as(method).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  @Test
  @Order(2)
  void thePeerPortTakesNoCallerWithoutANodeCertificate() {
    // Plaintext, TLS without a certificate, and a valid client certificate: the handshake fails.
    for (ManagedChannel c : List.of(track(RawGrpc.plaintext(peer(1))), withCaOnly(peer(1)),
        withClientCertificate(peer(1)))) {
      assertEveryPeerCall(c, 1, m -> Status.Code.UNAVAILABLE, null);
    }
  }

  @Test
  @Order(3)
  void aNodeThatIsNotAMemberMayOnlyIntroduceItself() {
    ManagedChannel c = asStrangerNode(1);
    forgedPeerCalls(9).forEach((method, request) -> {
      if (!method.equals("Heartbeat")) {
        Status status = RawGrpc.peer(c, method, request);
        assertThat(status.getCode()).as(method).isEqualTo(Status.Code.PERMISSION_DENIED);
        assertThat(status.getDescription()).contains("n9 is not a member");
      }
    });
  }

  @Test
  @Order(4)
  void aMemberCannotSpeakForAnother() {
    assertEveryPeerCall(asMember(1, 2), 3, m -> Status.Code.PERMISSION_DENIED,
        "the request says it is from n3, but the caller's certificate is n1");
  }

  @Test
  @Order(5)
  void timestampsAndBallotsFromTheFutureAreRefusedEvenFromAMember() {
    for (int to = 1; to <= 3; to++) {
      ManagedChannel c = asMember(to == 1 ? 2 : 1, to);
      int from = to == 1 ? 2 : 1;
      for (String method : List.of("Write", "Prepare", "Propose", "Commit", "Heartbeat")) {
        Status status = RawGrpc.peer(c, method, forgedPeerCalls(from).get(method));
        assertThat(status.getCode()).as(method + " to n" + to).isEqualTo(Status.Code.FAILED_PRECONDITION);
        assertThat(status.getDescription()).contains("the maximum clock offset is 500 ms");
      }
    }
    // Nothing stuck: a later write wins everywhere, linearizable operations still decide, and new
    // timestamps are today's.
    write("acked-0", "after-the-attack");
    long now = System.currentTimeMillis();
    PutResponse put = admin.put("clock-probe", "x".getBytes(StandardCharsets.UTF_8), Consistency.QUORUM);
    assertThat(put.getProvenance().getWriteTimestamp().getPhysicalMillis()).isBetween(now - 5_000, now + 5_000);
    for (int node = 1; node <= 3; node++) {
      try (DialClient direct = cluster.clientOf(node)) {
        GetResponse r = direct.get("acked-0", Consistency.ONE, false);
        assertThat(r.getValue().toStringUtf8()).isEqualTo("after-the-attack");
      }
    }
    assertThat(admin.compareAndSet("acked-0", "after-the-attack".getBytes(StandardCharsets.UTF_8),
        "cas-after".getBytes(StandardCharsets.UTF_8)).getApplied()).isTrue();
    acknowledged.put("acked-0", "cas-after");
  }

  @Test
  @Order(6)
  void gossipFromAStrangerCannotMoveEvictOrInventMembers() {
    HeartbeatRequest takeover = HeartbeatRequest.newBuilder()
        .setFromNodeId(9)
        .setClock(ts(System.currentTimeMillis()))
        .addMembers(MemberRecord.newBuilder().setNodeId(9).setAddress("127.0.0.1:1")
            .setStatus(MemberRecord.Status.JOINING).setVersion(1))
        .addMembers(MemberRecord.newBuilder().setNodeId(2).setAddress("127.0.0.1:2").setClientAddress("127.0.0.1:2")
            .setStatus(MemberRecord.Status.NORMAL).setVersion(99))
        .addMembers(MemberRecord.newBuilder().setNodeId(3).setAddress(peer(3))
            .setStatus(MemberRecord.Status.LEFT).setVersion(99))
        .addMembers(MemberRecord.newBuilder().setNodeId(50).setAddress("127.0.0.1:3")
            .setStatus(MemberRecord.Status.NORMAL).setVersion(1))
        .build();
    assertThat(RawGrpc.peer(asStrangerNode(1), "Heartbeat", takeover).getCode()).isEqualTo(Status.Code.OK);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Map<Integer, NodeInfo> nodes = new LinkedHashMap<>();
      admin.topology(client(2)).getNodesList().forEach(n -> nodes.put(n.getNodeId(), n));
      assertThat(nodes).containsKey(9); // it may say it is joining: nothing more
    });
    TopologyResponse seen = admin.topology(client(1));
    Map<Integer, NodeInfo> nodes = new LinkedHashMap<>();
    seen.getNodesList().forEach(n -> nodes.put(n.getNodeId(), n));
    assertThat(nodes.get(2).getAddress()).isEqualTo(client(2));
    assertThat(nodes.get(3).getState()).isEqualTo(io.dialkv.proto.v1.NodeState.NODE_STATE_NORMAL);
    assertThat(nodes).doesNotContainKey(50);
    assertThat(nodes.get(9).getState()).isEqualTo(io.dialkv.proto.v1.NodeState.NODE_STATE_JOINING);

    // A joiner that never comes is removed like any node that died while joining.
    admin.removeNode(9, Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(10)).until(() -> IntStream.rangeClosed(1, 3).allMatch(node ->
        admin.topology(client(node)).getNodesList().stream().noneMatch(n -> n.getNodeId() == 9)));
    write("after-takeover", "ok");
  }

  @Test
  @Order(7)
  void noOutsiderCanDumpTheData() {
    ManagedChannel cert = withClientCertificate(peer(2));
    ManagedChannel stranger = asStrangerNode(2);
    for (String method : List.of("FetchRows", "RangeRows", "Read")) {
      assertThat(RawGrpc.peer(cert, method, forgedPeerCalls(1).get(method)).getCode())
          .isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(RawGrpc.peer(stranger, method, forgedPeerCalls(9).get(method)).getCode())
          .isIn(Status.Code.PERMISSION_DENIED);
    }
  }

  @Test
  @Order(8)
  void oneRequestCannotExhaustANode() {
    RangeDigestRequest million = RangeDigestRequest.newBuilder().setFromNodeId(1)
        .addAllRanges(IntStream.range(0, 1_000_000).boxed().toList()).build();
    assertThat(million.getSerializedSize()).isGreaterThan(2 << 20);
    // A batch may hold 4096 requests: one of 5,000 heartbeats ends the stream, nothing done.
    io.dialkv.proto.v1.peer.PeerBatch.Builder flood = io.dialkv.proto.v1.peer.PeerBatch.newBuilder();
    for (int i = 0; i < 5_000; i++) {
      flood.addRequests(io.dialkv.proto.v1.peer.PeerEnvelope.newBuilder().setId(i)
          .setHeartbeat(HeartbeatRequest.newBuilder().setFromNodeId(1).setClock(ts(System.currentTimeMillis()))));
    }
    Status batch = RawGrpc.exchange(asMember(1, 2), flood.build().toByteArray());
    assertThat(batch.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(batch.getDescription()).isEqualTo("a batch of 5000 requests; at most 4096");

    Status digest = RawGrpc.peer(asMember(1, 2), "RangeDigest", million);
    assertThat(digest.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(digest.getDescription()).contains("1000000 ranges; the ring has 192");

    ManagedChannel c = track(RawGrpc.channel(client(2), cluster.credentials().channelCredentials()));
    Status huge = RawGrpc.call(c, "dialkv.v1.DialKv/Get",
        GetRequest.newBuilder().setKey("k".repeat(3 << 20)).build());
    assertThat(huge.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    Status page = RawGrpc.peer(asMember(1, 2), "FetchRows", FetchRowsRequest.newBuilder().setFromNodeId(1)
        .addSpans(TokenSpan.newBuilder().setStart(0).setEnd(0)).setMaxBytes(Integer.MAX_VALUE).build());
    assertThat(page.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(page.getDescription()).contains("pages are 1 to 1048576");
    write("after-dos", "ok");
  }

  @Test
  @Order(9)
  void administrationNeedsTheAdminRole() throws Exception {
    DialCredentials anonymous = DialCredentials.tls(cluster.certsDir("ca-only"));
    DialCredentials mallory = DialCredentials.tls(cluster.certsDir("mallory"));
    for (DialCredentials who : List.of(anonymous, cluster.credentials(Role.READ), cluster.credentials(Role.READWRITE),
        mallory)) {
      try (DialClient c = DialClient.builder().endpoints(List.of(client(1))).credentials(who).build()) {
        assertThatThrownBy(() -> c.repair(client(1), Duration.ofSeconds(10))).as(who.toString())
            .isInstanceOfSatisfying(DialException.class,
                e -> assertThat(e.kind()).isEqualTo(DialException.Kind.DENIED));
        assertThatThrownBy(() -> c.hints(client(1))).isInstanceOf(DialException.class);
        assertThatThrownBy(() -> c.removeNode(3, Duration.ofSeconds(10))).isInstanceOf(DialException.class);
        assertThatThrownBy(() -> c.decommission(3, Duration.ofSeconds(10)))
            .isInstanceOfSatisfying(DialException.class,
                e -> assertThat(e.kind()).isEqualTo(DialException.Kind.DENIED));
      }
    }
    try (DialClient c = DialClient.builder().endpoints(List.of(client(1))).credentials(cluster.credentials(Role.ADMIN))
        .build()) {
      RepairResponse r = c.repair(client(1), Duration.ofSeconds(60));
      assertThat(r.getFailedNodeIdsList()).isEmpty();
      assertThat(c.hints(client(1)).getNodeId()).isEqualTo(1);
    }
    // Fault injection also needs a node in test mode, admin or not.
    ManagedChannel c = track(RawGrpc.channel(client(1), cluster.credentials().channelCredentials()));
    Status faults = RawGrpc.call(c, "dialkv.v1.Admin/SetLinkRules", SetLinkRulesRequest.newBuilder().addBlockedPeers(2).build());
    assertThat(faults.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    ManagedChannel anon = withCaOnly(client(1));
    assertThat(RawGrpc.call(anon, "dialkv.v1.Admin/SetLinkRules", SetLinkRulesRequest.getDefaultInstance()).getCode())
        .isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  @Order(10)
  void eachRoleDoesExactlyWhatItShould() {
    byte[] v = "r".getBytes(StandardCharsets.UTF_8);
    try (DialClient read = clientWith(cluster.credentials(Role.READ));
        DialClient readWrite = clientWith(cluster.credentials(Role.READWRITE));
        DialClient certificate = clientWith(DialCredentials.tls(cluster.certsDir("mallory")));
        DialClient anonymous = clientWith(DialCredentials.tls(cluster.certsDir("ca-only")))) {
      assertThat(read.get("acked-1", Consistency.QUORUM, false).getValue().toStringUtf8()).isEqualTo("v1");
      assertThat(read.topology().getNodesCount()).isEqualTo(3);
      assertDenied(() -> read.put("role-read", v, Consistency.QUORUM), "Put needs role readwrite; client 'read-client' (role read) may not");
      assertDenied(() -> read.compareAndSet("role-read", null, v), "needs role readwrite");
      readWrite.put("role-rw", v, Consistency.QUORUM);
      acknowledged.put("role-rw", "r");
      certificate.put("role-cert", v, Consistency.QUORUM);
      acknowledged.put("role-cert", "r");
      assertThat(certificate.get("role-rw", Consistency.QUORUM, false).getFound()).isTrue();
      assertDenied(() -> readWrite.repair(client(1), Duration.ofSeconds(10)), "Repair needs role admin");
      assertDenied(() -> anonymous.get("acked-1", Consistency.ONE, false), "Get needs role read");
    }
    // A node's certificate is no client credential.
    ManagedChannel node = track(RawGrpc.channel(client(1), io.dialkv.security.Tls.forNode(cluster.certsDir("n2"), 2)
        .peerChannel(0)));
    Status status = RawGrpc.call(node, "dialkv.v1.DialKv/Get", GetRequest.newBuilder().setKey("acked-1").build());
    assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(status.getDescription()).contains("has no role on the client port");
  }

  private static DialClient clientWith(DialCredentials credentials) {
    return DialClient.builder().endpoints(cluster.endpoints()).credentials(credentials).build();
  }

  private static void assertDenied(Runnable call, String message) {
    assertThatThrownBy(call::run).isInstanceOfSatisfying(DialException.class, e -> {
      assertThat(e.kind()).isEqualTo(DialException.Kind.DENIED);
      assertThat(e.getMessage()).contains(message);
    });
  }

  @Test
  @Order(11)
  void malformedBytesAreInvalidArgumentAndLogNoStackTrace() throws Exception {
    byte[] garbage = {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x02};
    ManagedChannel c = track(RawGrpc.channel(client(3), cluster.credentials().channelCredentials()));
    ManagedChannel p = asMember(1, 3);
    for (int i = 0; i < 200; i++) {
      assertThat(RawGrpc.call(c, "dialkv.v1.DialKv/Put", garbage).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
      assertThat(RawGrpc.peer(p, "Write", garbage).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    String log = Files.readString(cluster.node(3).log());
    assertThat(log).doesNotContain(" ERROR ").doesNotContain("\tat ");
    assertThat(log.lines().filter(l -> l.contains(" WARN ")).count()).isLessThan(20);
  }

  @Test
  @Order(12)
  void everyAcknowledgedWriteIsIntactOnEveryReplica() {
    for (int node = 1; node <= 3; node++) {
      try (DialClient direct = cluster.clientOf(node)) {
        for (Map.Entry<String, String> e : acknowledged.entrySet()) {
          assertThat(direct.get(e.getKey(), Consistency.ALL, false).getValue().toStringUtf8())
              .as(e.getKey() + " via n" + node).isEqualTo(e.getValue());
        }
      }
    }
  }

  @Test
  @Order(13)
  void aMembersRequestIsAnsweredEvenWhenTheStreamEndsBeforeItsAnswerIsReady() {
    // One request per stream, then the half-close at once: a promise is answered only once it is
    // written out, after the node has seen the stream end. It is still answered.
    ManagedChannel c = asMember(1, 2);
    for (int i = 0; i < 20; i++) {
      Status status = RawGrpc.peer(c, "Prepare", PrepareRequest.newBuilder().setFromNodeId(1).setKey("probe-" + i)
          .setBallot(ts(System.currentTimeMillis())).build());
      assertThat(status.getCode()).as("prepare " + i + ": " + status).isEqualTo(Status.Code.OK);
    }
  }
}
