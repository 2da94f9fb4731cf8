package io.dialkv.client.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.proto.v1.Consistency;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The balancer against five fake nodes on real ports: how each policy spreads requests, and how
 * health, ejection, a killed node and the retry rules change where requests go.
 */
class BalancerTest {
  private static final Duration WAIT = Duration.ofSeconds(15);

  private final FakeCluster cluster = new FakeCluster(5);
  private final List<DialClient> clients = new ArrayList<>();

  @AfterEach
  void tearDown() {
    clients.forEach(DialClient::close);
    cluster.close();
  }

  private DialClient client(String policy) {
    return client(DialClient.builder().balancer(policy));
  }

  private DialClient client(DialClient.Builder builder) {
    DialClient client =
        builder
            .endpoints(cluster.endpoints().subList(0, 1))
            .refreshInterval(Duration.ofMillis(500))
            .timeout(Duration.ofSeconds(5))
            .build();
    clients.add(client);
    awaitStates(client, Map.of(1, NodeState.HEALTHY, 2, NodeState.HEALTHY, 3, NodeState.HEALTHY,
        4, NodeState.HEALTHY, 5, NodeState.HEALTHY));
    return client;
  }

  private static void awaitStates(DialClient client, Map<Integer, NodeState> expected) {
    await().atMost(WAIT).untilAsserted(() -> {
      Map<Integer, NodeState> seen = new HashMap<>();
      client.nodes().forEach(n -> seen.put(n.nodeId(), n.state()));
      assertThat(seen).containsAllEntriesOf(expected);
    });
  }

  /** Runs {@code count} requests with up to {@code inFlight} outstanding; returns failures. */
  private static List<Throwable> run(int count, int inFlight, Function<Integer, CompletableFuture<?>> request)
      throws InterruptedException {
    Semaphore permits = new Semaphore(inFlight);
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < count; i++) {
      permits.acquire();
      request.apply(i).whenComplete((r, t) -> {
        if (t != null) {
          failures.add(t);
        }
        permits.release();
      });
    }
    permits.acquire(inFlight);
    return failures;
  }

  private static Map<Integer, Long> requestsPerNode(DialClient client) {
    Map<Integer, Long> map = new HashMap<>();
    client.nodes().forEach(n -> map.put(n.nodeId(), n.requests()));
    return map;
  }

  @Test
  void discoversEveryNodeAndTheRingFromOneSeed() {
    DialClient client = client("token-aware");
    assertThat(client.nodes()).extracting(NodeStats::nodeId).containsExactly(1, 2, 3, 4, 5);
    assertThat(client.nodes()).extracting(NodeStats::address).containsExactlyElementsOf(cluster.endpoints());
  }

  @Test
  void nodesThatJoinOrLeaveTheTopologyJoinOrLeaveTheClientsView() throws Exception {
    DialClient client = client("round-robin");
    cluster.node(5).listed(false);
    await().atMost(WAIT).until(() -> client.nodes().size() == 4);
    cluster.resetCounts();
    assertThat(run(400, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.node(5).served.get()).isZero();

    cluster.node(5).listed(true);
    awaitStates(client, Map.of(5, NodeState.HEALTHY));
    assertThat(run(500, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.node(5).served.get()).isBetween(90L, 110L);
  }

  @Test
  void aJoiningNodeIsNoReplicaForTokenAwareRoutingUntilItIsNormal() throws Exception {
    cluster.node(5).state(io.dialkv.proto.v1.NodeState.NODE_STATE_JOINING);
    DialClient client = client("token-aware");
    TokenRing servingRing = TokenRing.create(List.of(1, 2, 3, 4), 64, FakeCluster.REPLICATION_FACTOR);
    cluster.resetCounts();
    assertThat(run(1_000, 16, i -> client.getAsync("key-" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.node(5).served.get()).as("requests to the joining n5").isZero();
    for (FakeCluster.FakeNode node : cluster.nodes()) {
      for (String key : node.keys.drain()) {
        assertThat(servingRing.replicasFor(key)).as("%s served by n%d", key, node.id).contains(node.id);
      }
    }

    cluster.node(5).state(io.dialkv.proto.v1.NodeState.NODE_STATE_NORMAL);
    await().atMost(WAIT).untilAsserted(() -> {
      cluster.resetCounts();
      assertThat(run(500, 16, i -> client.getAsync("key-" + i, Consistency.ONE, false))).isEmpty();
      assertThat(cluster.node(5).served.get()).as("requests to n5 once normal").isPositive();
    });
  }

  @Test
  void roundRobinSpreadsTenThousandRequestsWithinFivePercent() throws Exception {
    DialClient client = client("round-robin");
    cluster.resetCounts();
    List<Throwable> failures = run(10_000, 32, i -> client.getAsync("key-" + i, Consistency.ONE, false));
    assertThat(failures).isEmpty();
    Map<Integer, Long> served = cluster.servedPerNode();
    assertThat(served.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(10_000);
    assertThat(served.values()).allSatisfy(n -> assertThat(n).isBetween(1_900L, 2_100L));
    // The client's own counts agree with what the nodes served.
    assertThat(requestsPerNode(client)).isEqualTo(served);
  }

  @Test
  void leastConnectionsSendsFewerRequestsToASlowNode() throws Exception {
    DialClient client = client("least-connections");
    cluster.node(3).slow(40);
    cluster.resetCounts();
    List<Throwable> failures = run(3_000, 32, i -> client.getAsync("key-" + i, Consistency.ONE, false));
    assertThat(failures).isEmpty();
    Map<Integer, Long> served = cluster.servedPerNode();
    long slow = served.get(3);
    double othersMean = (3_000 - slow) / 4.0;
    assertThat(slow).as("requests to the slow node, against %s to each other node", othersMean)
        .isLessThan((long) (othersMean / 4));
  }

  @Test
  void roundRobinDoesNotAvoidASlowNode() throws Exception {
    // The baseline for the test above: round-robin keeps sending the slow node its share.
    DialClient client = client("round-robin");
    cluster.node(3).slow(40);
    cluster.resetCounts();
    assertThat(run(1_000, 32, i -> client.getAsync("key-" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.servedPerNode().get(3)).isBetween(190L, 210L);
  }

  @Test
  void ipHashKeepsEachClientOnOneNodeAndMovesOnlyTheClientsOfADeadNode() throws Exception {
    Map<String, Integer> home = new HashMap<>();
    Map<String, DialClient> byId = new HashMap<>();
    for (int c = 0; c < 20; c++) {
      String id = "client-" + c;
      DialClient client = client(DialClient.builder().balancer("ip-hash").clientId(id));
      byId.put(id, client);
      assertThat(run(50, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
      home.put(id, onlyNodeUsed(client, Map.of()));
    }
    assertThat(new HashSet<>(home.values())).as("clients spread over nodes").hasSizeGreaterThanOrEqualTo(3);

    int victim = home.get("client-0");
    cluster.node(victim).kill();
    for (DialClient client : byId.values()) {
      awaitStates(client, Map.of(victim, NodeState.DOWN));
    }
    for (Map.Entry<String, DialClient> e : byId.entrySet()) {
      DialClient client = e.getValue();
      Map<Integer, Long> before = requestsPerNode(client);
      assertThat(run(50, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
      int now = onlyNodeUsed(client, before);
      if (home.get(e.getKey()) == victim) {
        assertThat(now).as("%s moved off the dead node", e.getKey()).isNotEqualTo(victim);
      } else {
        assertThat(now).as("%s stayed on its node", e.getKey()).isEqualTo(home.get(e.getKey()));
      }
    }
  }

  /** The one node that received this client's requests since {@code before}. */
  private static int onlyNodeUsed(DialClient client, Map<Integer, Long> before) {
    Set<Integer> used = new HashSet<>();
    requestsPerNode(client).forEach((node, n) -> {
      if (n > before.getOrDefault(node, 0L)) {
        used.add(node);
      }
    });
    assertThat(used).hasSize(1);
    return used.iterator().next();
  }

  @Test
  void tokenAwareSendsEveryRequestToAReplicaOfItsKey() throws Exception {
    for (String policy : List.of("token-aware", "token-aware:round-robin", "token-aware:ip-hash")) {
      DialClient client = client(policy);
      cluster.resetCounts();
      byte[] value = "v".getBytes(StandardCharsets.UTF_8);
      assertThat(run(2_000, 32, i -> i % 3 == 0
          ? client.putAsync("key-" + i, value, Consistency.QUORUM)
          : client.getAsync("key-" + i, Consistency.ONE, false))).isEmpty();
      for (int i = 0; i < 200; i++) {
        client.getProfile("user-" + i, Consistency.ONE, false);
      }
      int checked = 0;
      for (FakeCluster.FakeNode node : cluster.nodes()) {
        for (String key : node.keys.drain()) {
          assertThat(cluster.ring.replicasFor(key)).as("%s: %s served %s", policy, key, node.id).contains(node.id);
          checked++;
        }
      }
      assertThat(checked).isEqualTo(2_200);
      client.close();
      clients.remove(client);
    }
  }

  @Test
  void linearizableRequestsGoToTheKeysFirstReplicaAndToTheNextWhenItIsOut() throws Exception {
    DialClient client = client("token-aware");
    byte[] value = "v".getBytes(StandardCharsets.UTF_8);
    cluster.resetCounts();
    assertThat(run(300, 16, i -> switch (i % 3) {
      case 0 -> client.getAsync("key-" + i, Consistency.LINEARIZABLE, false);
      case 1 -> client.putAsync("key-" + i, value, Consistency.LINEARIZABLE);
      default -> client.compareAndSetAsync("key-" + i, null, value);
    })).isEmpty();
    int checked = 0;
    for (FakeCluster.FakeNode node : cluster.nodes()) {
      for (String key : node.keys.drain()) {
        assertThat(cluster.ring.replicasFor(key).get(0)).as("%s served by n%s", key, node.id).isEqualTo(node.id);
        checked++;
      }
    }
    assertThat(checked).isEqualTo(300);

    // With the first replica out of service, its keys' operations go to the second.
    String key = "key-0";
    List<Integer> replicas = cluster.ring.replicasFor(key);
    cluster.node(replicas.get(0)).serving(false);
    awaitStates(client, Map.of(replicas.get(0), NodeState.NOT_SERVING));
    cluster.resetCounts();
    for (int i = 0; i < 20; i++) {
      client.get(key, Consistency.LINEARIZABLE, false);
    }
    assertThat(cluster.node(replicas.get(1)).keys.drain()).hasSize(20);
  }

  @Test
  void aNodeReportingNotServingGetsNoRequestsUntilItServesAgain() throws Exception {
    DialClient client = client("round-robin");
    cluster.node(2).serving(false);
    awaitStates(client, Map.of(2, NodeState.NOT_SERVING));
    cluster.resetCounts();
    assertThat(run(500, 16, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.node(2).served.get()).isZero();

    cluster.node(2).serving(true);
    awaitStates(client, Map.of(2, NodeState.HEALTHY));
    assertThat(run(500, 16, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.node(2).served.get()).isBetween(90L, 110L);
  }

  @Test
  void aFailingNodeIsEjectedWhileReadsSucceedElsewhereAndComesBackWhenHealthy() throws Exception {
    DialClient client = client(DialClient.builder().balancer("round-robin"));
    cluster.node(4).broken(true);
    // Reads that hit the broken node are retried on another: the client sees no failure.
    assertThat(run(200, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    awaitStates(client, Map.of(4, NodeState.EJECTED));
    NodeStats ejected = client.nodes().get(3);
    assertThat(ejected.ejections()).isEqualTo(1);
    assertThat(ejected.failures()).isGreaterThanOrEqualTo(5);

    // Still failing when its first ejection (1 s) ends, it is ejected again, for twice as long.
    await().atMost(WAIT).untilAsserted(() -> {
      client.getAsync("probe", Consistency.ONE, false);
      assertThat(client.nodes().get(3).ejections()).isEqualTo(2);
    });
    await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(2))
        .until(() -> client.nodes().get(3).state() == NodeState.EJECTED);

    cluster.node(4).broken(false);
    // Once the ejection is over, the node is used again.
    awaitStates(client, Map.of(4, NodeState.HEALTHY));
    cluster.resetCounts();
    assertThat(run(500, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.node(4).served.get()).isBetween(90L, 110L);
  }

  @Test
  void aWriteThatReachedAFailingNodeIsIndeterminateAndIsNotRepeated() {
    DialClient client = client("round-robin");
    cluster.node(1).broken(true);
    cluster.resetCounts();
    List<DialException.Kind> outcomes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      try {
        client.put("w" + i, new byte[] {1}, Consistency.QUORUM);
        outcomes.add(null);
      } catch (DialException e) {
        outcomes.add(e.kind());
        assertThat(e).hasMessageContaining("may have been applied").hasMessageContaining("n1");
      }
    }
    assertThat(outcomes).containsOnlyOnce(DialException.Kind.INDETERMINATE);
    // Each write went to exactly one node: the failed one was not sent again elsewhere.
    assertThat(cluster.servedPerNode().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(5);
  }

  @Test
  void aWriteRefusedForOverloadIsSentOnceMoreToAnotherNode() {
    DialClient client = client("round-robin");
    cluster.node(1).overloaded(true);
    cluster.resetCounts();
    for (int i = 0; i < 20; i++) {
      client.put("w" + i, new byte[] {1}, Consistency.QUORUM); // refused before any work: safe to resend
    }
    Map<Integer, Long> served = cluster.servedPerNode();
    long refused = served.get(1);
    assertThat(refused).isPositive();
    assertThat(served.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(20 + refused);
  }

  @Test
  void whenEveryNodeRefusesForOverloadTheClientHoldsMostRequestsBackInsteadOfRetryingThem() {
    DialClient client = client("round-robin");
    for (int id = 1; id <= 5; id++) {
      cluster.node(id).overloaded(true);
    }
    cluster.resetCounts();
    int requests = 400;
    List<DialException.Kind> outcomes = new ArrayList<>();
    long start = System.nanoTime();
    for (int i = 0; i < requests; i++) {
      try {
        client.get("k" + i, Consistency.ONE, false);
        outcomes.add(null);
      } catch (DialException e) {
        outcomes.add(e.kind());
      }
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(outcomes).containsOnly(DialException.Kind.OVERLOADED);
    long sent = cluster.servedPerNode().values().stream().mapToLong(Long::longValue).sum();
    // Without throttling every request would reach two nodes (800). With it, a node refusing
    // everything lets one of r requests through, about sqrt(2 x 400) = 28 of them each.
    assertThat(sent).isLessThan(requests / 2);
    assertThat(millis).as("refusals are answered at once, not after back-off sleeps").isLessThan(10_000);

    for (int id = 1; id <= 5; id++) {
      cluster.node(id).overloaded(false);
    }
    // Within the two-second window the client finds out that the nodes have room again.
    await().atMost(WAIT).ignoreExceptionsInstanceOf(DialException.class).untilAsserted(() -> assertThat(client.get("again", Consistency.ONE, false)).isNotNull());
  }

  /** Sends {@code count} requests at once; each outcome's failure (null for success) and latency. */
  private static List<Map.Entry<Throwable, Long>> burst(DialClient client, int count) {
    List<CompletableFuture<Map.Entry<Throwable, Long>>> outcomes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long start = System.nanoTime();
      outcomes.add(client.getAsync("b" + i, Consistency.ONE, false)
          .handle((r, t) -> Map.entry(t == null ? new Throwable("ok") : t, (System.nanoTime() - start) / 1_000_000)));
    }
    return outcomes.stream().map(CompletableFuture::join).toList();
  }

  private static long heldBack(List<Map.Entry<Throwable, Long>> outcomes) {
    return outcomes.stream().filter(o -> String.valueOf(o.getKey().getMessage()).contains("held back by this client")).count();
  }

  @Test
  void whileANodesAnswersQueueTheClientSendsItNoMoreThanItsLimitAndFailsTheRestAtOnce() {
    DialClient client = client("round-robin");
    burst(client, 200); // fast answers: the usual latency
    for (int id = 1; id <= 5; id++) {
      cluster.node(id).slow(300); // from now on every answer waits, as in a standing queue
    }
    burst(client, 100);
    burst(client, 100); // the second wave finds the first one's interval all slow
    cluster.resetCounts();

    List<Map.Entry<Throwable, Long>> outcomes = burst(client, 1_000);
    long sent = cluster.servedPerNode().values().stream().mapToLong(Long::longValue).sum();
    long held = heldBack(outcomes);
    assertThat(sent).as("at most each node's limit (32 at first) from this client").isLessThanOrEqualTo(5 * 40);
    assertThat(held).isEqualTo(1_000 - sent);
    assertThat(outcomes).filteredOn(o -> o.getKey() instanceof DialException d && d.kind() == DialException.Kind.OVERLOADED)
        .hasSize((int) held)
        .allSatisfy(o -> assertThat(o.getValue()).as("held back, so answered at once").isLessThan(200));
  }

  @Test
  void withoutTheLimitTheClientSendsEverythingToAQueueingNode() {
    DialClient client = client(DialClient.builder().balancer("round-robin").limitInFlight(false));
    burst(client, 200);
    for (int id = 1; id <= 5; id++) {
      cluster.node(id).slow(300);
    }
    burst(client, 100);
    burst(client, 100);
    cluster.resetCounts();
    List<Map.Entry<Throwable, Long>> outcomes = burst(client, 1_000);
    assertThat(heldBack(outcomes)).isZero();
    assertThat(cluster.servedPerNode().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(1_000);
  }

  @Test
  void anUnknownStatusWithoutDialkvsTrailerIsAConnectionFailure() throws Exception {
    // gRPC reports a connection closed under a call as UNKNOWN "channel closed".
    DialClient client = client("round-robin");
    cluster.node(2).brokenWith(io.grpc.Status.UNKNOWN.withDescription("channel closed"));
    // Writes first, before the node's failures eject it: the one that reaches n2 may have been
    // applied, so it is indeterminate, not failed and not repeated.
    List<DialException.Kind> writes = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      try {
        client.put("w" + i, new byte[] {1}, Consistency.QUORUM);
      } catch (DialException e) {
        writes.add(e.kind());
      }
    }
    assertThat(writes).containsExactly(DialException.Kind.INDETERMINATE);
    assertThat(run(100, 4, i -> client.getAsync("k" + i, Consistency.ONE, false))).as("reads retried").isEmpty();
  }

  @Test
  void aKilledNodeCostsReadsNothingAndIsUsedAgainAfterItRestarts() throws Exception {
    DialClient client = client("round-robin");
    cluster.node(5).kill();
    assertThat(run(300, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    awaitStates(client, Map.of(5, NodeState.DOWN));

    cluster.node(5).restart();
    awaitStates(client, Map.of(5, NodeState.HEALTHY));
    cluster.resetCounts();
    assertThat(run(500, 8, i -> client.getAsync("k" + i, Consistency.ONE, false))).isEmpty();
    assertThat(cluster.node(5).served.get()).isBetween(90L, 110L);
  }

  @Test
  void whenEveryNodeIsDownARequestFailsAtOnceNamingThem() {
    DialClient client = client("token-aware");
    cluster.nodes().forEach(FakeCluster.FakeNode::kill);
    awaitStates(client, Map.of(1, NodeState.DOWN, 2, NodeState.DOWN, 3, NodeState.DOWN,
        4, NodeState.DOWN, 5, NodeState.DOWN));
    long start = System.nanoTime();
    assertThatThrownBy(() -> client.get("k", Consistency.ONE, false))
        .isInstanceOfSatisfying(DialException.class, e -> assertThat(e.kind()).isEqualTo(DialException.Kind.NO_ENDPOINT))
        .hasMessageContaining("no dialkv node reachable")
        .hasMessageContaining("n3 (" + cluster.node(3).endpoint() + ") down");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void anUnknownPolicyNameIsRefusedWithTheNamesThatExist() {
    assertThatThrownBy(() -> DialClient.builder().balancer("random"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown balancer policy 'random'")
        .hasMessageContaining("least-connections");
    assertThat(BalancerPolicy.parse("token-aware")).isEqualTo(BalancerPolicy.DEFAULT);
    assertThat(BalancerPolicy.parse("token-aware:ip-hash").label()).isEqualTo("token-aware:ip-hash");
  }
}
