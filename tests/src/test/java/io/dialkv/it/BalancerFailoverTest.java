package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.client.balancer.NodeState;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's balancer against five real node processes: a node SIGKILLed under a steady QUORUM
 * workload costs the client no read and no write beyond those in flight at the kill, the dead node
 * gets no requests once the balancer has seen it go, and it gets its share again after a restart;
 * token-aware routing sends requests to a replica of their key; least-connections avoids a node
 * made slow.
 */
class BalancerFailoverTest {
  private static final Logger log = LoggerFactory.getLogger(BalancerFailoverTest.class);
  private static final int WORKERS = 16;
  private static ProcessCluster cluster;

  @BeforeAll
  static void start() throws Exception {
    cluster = Clusters.startInTestMode(5, 3);
    cluster.awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterAll
  static void stop() {
    cluster.close();
  }

  private static long requestsTo(DialClient client, int node) {
    return client.nodes().stream().filter(n -> n.nodeId() == node).mapToLong(NodeStats::requests).sum();
  }

  private static NodeState stateOf(DialClient client, int node) {
    return client.nodes().stream().filter(n -> n.nodeId() == node).map(NodeStats::state).findFirst().orElse(null);
  }

  @Test
  void aKilledNodeCostsTheClientNothingBeyondWritesInFlightAndGetsTrafficAgainAfterRestart() throws Exception {
    try (DialClient client = DialClient.builder().credentials(cluster.credentials()).endpoints(cluster.endpoints().subList(0, 1)).build()) {
      await().atMost(Duration.ofSeconds(15)).until(() -> client.nodes().stream()
          .filter(n -> n.state() == NodeState.HEALTHY).count() == 5);
      SteadyWorkload load =
          new SteadyWorkload(client, Consistency.QUORUM, WORKERS, 200_000, Duration.ofSeconds(120)).start();
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ops.get() > 2_000);
        int inFlightAtKill = load.inFlight.get();
        cluster.node(3).kill();
        long opsAtKill = load.ops.get();
        await().atMost(Duration.ofSeconds(15))
            .until(() -> EnumSet.of(NodeState.DOWN, NodeState.EJECTED).contains(stateOf(client, 3)));
        long afterEjection = requestsTo(client, 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> load.ops.get() > opsAtKill + 3_000);
        assertThat(requestsTo(client, 3)).as("requests sent to the dead node after it was seen down")
            .isEqualTo(afterEjection);

        cluster.node(3).start();
        await().atMost(Duration.ofSeconds(30)).until(() -> stateOf(client, 3) == NodeState.HEALTHY);
        long back = requestsTo(client, 3);
        await().atMost(Duration.ofSeconds(30)).until(() -> requestsTo(client, 3) > back + 200);

        load.close();
        log.info("failover: {} ops, reads ok {}, writes ok {}, read failures {}, write failures {}, {} in flight at the kill",
            load.ops.get(), load.readsOk.get(), load.writesOk.get(), load.readFailures.size(),
            load.writeFailures, inFlightAtKill);
        assertThat(load.readFailures).as("failed reads").isEmpty();
        // Only writes that were on the dead node's connection when it died may be unknown; none fail.
        assertThat(load.allWriteFailures()).isEqualTo(load.writeFailures(DialException.Kind.INDETERMINATE));
        assertThat(load.writeFailures(DialException.Kind.INDETERMINATE)).isLessThanOrEqualTo(inFlightAtKill);
      } finally {
        load.close();
      }
    }
  }

  @Test
  void tokenAwareRequestsAreCoordinatedByAReplicaOfTheirKey() {
    try (DialClient client = DialClient.builder().credentials(cluster.credentials()).endpoints(cluster.endpoints()).build()) {
      await().atMost(Duration.ofSeconds(15)).until(() -> client.nodes().stream()
          .filter(n -> n.state() == NodeState.HEALTHY).count() == 5);
      Map<Integer, Integer> coordinators = new HashMap<>();
      for (int i = 0; i < 300; i++) {
        client.put("ta-" + i, new byte[] {1}, Consistency.ONE);
        GetResponse r = client.get("ta-" + i, Consistency.ONE, false);
        assertThat(r.getProvenance().getReplicasList()).contains(r.getProvenance().getCoordinatorNodeId());
        coordinators.merge(r.getProvenance().getCoordinatorNodeId(), 1, Integer::sum);
      }
      assertThat(coordinators).hasSize(5);
    }
  }

  @Test
  void leastConnectionsSendsFewerRequestsToANodeMadeSlow() throws Exception {
    cluster.setResponseDelay(2, 200);
    try (DialClient client =
        DialClient.builder().credentials(cluster.credentials()).endpoints(cluster.endpoints()).balancer("least-connections").build()) {
      await().atMost(Duration.ofSeconds(15)).until(() -> client.nodes().stream()
          .filter(n -> n.state() == NodeState.HEALTHY).count() == 5);
      SteadyWorkload load = new SteadyWorkload(client, Consistency.ONE, 32, 3_000, Duration.ofSeconds(60)).start();
      await().atMost(Duration.ofSeconds(60)).until(() -> load.ops.get() >= 3_000);
      load.close();
      assertThat(load.readFailures).isEmpty();
      long slow = requestsTo(client, 2);
      double othersMean = (client.nodes().stream().mapToLong(NodeStats::requests).sum() - slow) / 4.0;
      log.info("least-connections with n2 slowed by 200 ms: n2 {} requests, others {} on average", slow, othersMean);
      // Least-connections evens out requests in flight, so the slow node holds as many as the others
      // but completes them far more slowly (round-robin would give it exactly its fifth, as many as
      // the mean of the others). How much fewer depends on how fast the others are on a busy
      // machine (a third of the mean in most runs, 0.34 of it in a slow one), so half is the bound.
      assertThat((double) slow).isLessThan(othersMean / 2);
    } finally {
      cluster.setResponseDelay(2, 0);
    }
  }

  @Test
  void aNodeCutOffFromEveryPeerReportsNotServingAndClientsGoElsewhere() throws Exception {
    try (DialClient client = DialClient.builder().credentials(cluster.credentials()).endpoints(cluster.endpoints()).balancer("round-robin").build()) {
      await().atMost(Duration.ofSeconds(15)).until(() -> client.nodes().stream()
          .filter(n -> n.state() == NodeState.HEALTHY).count() == 5);
      List<Integer> others = List.of(2, 3, 4, 5);
      cluster.setLinkRules(1, others);
      for (int peer : others) {
        cluster.setLinkRules(peer, List.of(1));
      }
      try {
        await().atMost(Duration.ofSeconds(15)).until(() -> stateOf(client, 1) == NodeState.NOT_SERVING);
        long before = requestsTo(client, 1);
        for (int i = 0; i < 200; i++) {
          client.put("iso-" + i, new byte[] {1}, Consistency.QUORUM);
        }
        assertThat(requestsTo(client, 1)).as("requests to the cut-off node").isEqualTo(before);
      } finally {
        for (int node = 1; node <= 5; node++) {
          cluster.setLinkRules(node, List.of());
        }
      }
      await().atMost(Duration.ofSeconds(15)).until(() -> stateOf(client, 1) == NodeState.HEALTHY);
    }
  }
}
