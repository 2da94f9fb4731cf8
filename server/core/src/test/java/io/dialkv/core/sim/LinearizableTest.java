package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.coordinator.PaxosResult;
import io.dialkv.core.coordinator.ReadResult;
import io.dialkv.core.coordinator.UnavailableException;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** LINEARIZABLE on simulated clusters: Paxos under competition, partitions and skewed clocks. */
class LinearizableTest {

  private static String value(ReadResult r) {
    Cell c = r.row().liveCells().get(Mutation.VALUE_CELL);
    return c == null ? null : new String(c.valueUnsafe(), StandardCharsets.UTF_8);
  }

  @Test
  void compareAndSetAppliesOnlyFromTheExpectedValue() {
    SimCluster cluster = SimCluster.start(5, 3, 11);
    PaxosResult first = cluster.await(cluster.node(1).compareAndSet("user-name/ada", null, b("u1")));
    PaxosResult second = cluster.await(cluster.node(2).compareAndSet("user-name/ada", null, b("u2")));

    assertThat(first.applied()).isTrue();
    assertThat(second.applied()).isFalse();
    assertThat(second.before().liveCells().get("value").valueUnsafe()).isEqualTo(b("u1"));
    assertThat(first.provenance().paxos().rounds()).isEqualTo(1);
    assertThat(first.provenance().paxos().accepted()).hasSizeGreaterThanOrEqualTo(2);
    assertThat(value(cluster.await(cluster.node(3).get("user-name/ada", Consistency.LINEARIZABLE, false))))
        .isEqualTo("u1");
    // Committed values land in the row store: QUORUM sees them too.
    assertThat(value(cluster.await(cluster.node(4).get("user-name/ada", Consistency.QUORUM, false)))).isEqualTo("u1");
  }

  @Test
  void onlyOneOfManyConcurrentClaimsWins() {
    SimCluster cluster = SimCluster.start(5, 3, 12);
    List<CompletableFuture<PaxosResult>> claims = new ArrayList<>();
    for (int node = 1; node <= 5; node++) {
      claims.add(cluster.node(node).compareAndSet("username/bob", null, b("claimed-by-" + node)));
    }
    int winners = 0;
    for (CompletableFuture<PaxosResult> claim : claims) {
      try {
        PaxosResult r = cluster.await(claim);
        if (r.applied()) {
          winners++;
        }
      } catch (RuntimeException contention) {
        // gave up under contention, or indeterminate: never a second winner
      }
    }
    assertThat(winners).isEqualTo(1);
    String owner = value(cluster.await(cluster.node(1).get("username/bob", Consistency.LINEARIZABLE, false)));
    assertThat(owner).startsWith("claimed-by-");
  }

  @Test
  void theMinoritySideFailsTheMajoritySideSucceedsAndAllAgreeAfterTheHeal() {
    SimCluster cluster = SimCluster.start(5, 3, 13);
    String key = "k";
    List<Integer> replicas = cluster.node(1).ring().replicasFor(key);
    int lonely = replicas.get(0);
    cluster.network().isolate(lonely, cluster.nodeIds());
    for (int other : cluster.nodeIds()) {
      if (other != lonely) {
        cluster.awaitSeen(lonely, other, false);
        cluster.awaitSeen(other, lonely, false);
      }
    }
    assertThatThrownBy(() -> cluster.await(cluster.node(lonely).put(key, b("minority"), Consistency.LINEARIZABLE)))
        .isInstanceOf(UnavailableException.class);
    int majoritySide = replicas.get(1);
    cluster.await(cluster.node(majoritySide).put(key, b("majority"), Consistency.LINEARIZABLE));

    cluster.network().heal();
    cluster.awaitAllUp();
    for (int node : cluster.nodeIds()) {
      assertThat(value(cluster.await(cluster.node(node).get(key, Consistency.LINEARIZABLE, false))))
          .as("n" + node).isEqualTo("majority");
    }
  }

  @Test
  void aProposalAcceptedByOnlySomeReplicasIsFinishedByTheNextRoundOrNeverSeen() {
    SimCluster cluster = SimCluster.start(3, 3, 14);
    // n1 proposes, but its messages to n3 are lost and n1 crashes before commit reaches anyone:
    // simulate by cutting n1 from n2 and n3 right after it starts.
    CompletableFuture<?> doomed = cluster.node(1).put("k", b("maybe"), Consistency.LINEARIZABLE);
    cluster.runFor(Duration.ofMillis(3)); // prepare round-trips take ~2-4 ms in the simulation
    cluster.crash(1);
    assertThat(doomed.isDone()).isFalse();
    // Whatever happened, two successive linearizable reads agree, and agree with QUORUM after them.
    String first = value(cluster.await(cluster.node(2).get("k", Consistency.LINEARIZABLE, false)));
    String second = value(cluster.await(cluster.node(3).get("k", Consistency.LINEARIZABLE, false)));
    assertThat(second).isEqualTo(first);
    assertThat(value(cluster.await(cluster.node(2).get("k", Consistency.QUORUM, false)))).isEqualTo(first);
  }

  @Test
  void ballotsDoNotTrustClocks() {
    // Clocks twenty minutes apart, with a maximum offset that tolerates them: Paxos orders the
    // writes by its rounds, not by the clocks. (With the default bound such nodes are refused:
    // TrustBoundaryTest.)
    SimCluster cluster = SimCluster.start(5, 15, c -> c.withReplicationFactor(3).withMaxClockOffset(Duration.ofHours(1)));
    cluster.clock(1).skew(Duration.ofMinutes(10)); // n1 far ahead
    cluster.await(cluster.node(1).put("k", b("from-the-future"), Consistency.LINEARIZABLE));
    cluster.clock(2).skew(Duration.ofMinutes(-10)); // n2 far behind
    cluster.await(cluster.node(2).put("k", b("later"), Consistency.LINEARIZABLE));
    // The later write wins although its node's clock is 20 minutes behind the earlier one's.
    assertThat(value(cluster.await(cluster.node(3).get("k", Consistency.LINEARIZABLE, false)))).isEqualTo("later");
    assertThat(value(cluster.await(cluster.node(4).get("k", Consistency.QUORUM, false)))).isEqualTo("later");
  }
}
