package io.dialkv.harness.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.checker.Verdict;
import io.dialkv.checker.history.History;
import io.dialkv.checker.history.Op;
import io.dialkv.core.sim.SimWire;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.wire.ProtobufSimWire;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The partition test's body on a simulated cluster: reproducible, and checked like the real one. */
class SimulationTest {
  private static String edn(Simulation.Result r) {
    return new History(r.history()).toEdn();
  }

  @Test
  void theSameSeedGivesTheSameHistoryEventForEvent() {
    for (String nemesis : new String[] {"partition-halves", "kill", "lossy", "membership"}) {
      Simulation.Options options = Simulation.Options.defaults(4242, nemesis);
      String first = edn(Simulation.run(options));
      String second = edn(Simulation.run(options));
      assertThat(second).as(nemesis).isEqualTo(first);
      assertThat(edn(Simulation.run(options.withSeed(4243)))).as(nemesis).isNotEqualTo(first);
    }
  }

  @Test
  void everyMessageCrossesTheNodesEncodingAndArrivesAsItWasSent() {
    // A lossless codec changes nothing a node does: the history is the one without the encoding.
    for (String nemesis : new String[] {"lossy", "membership"}) {
      Simulation.Options options = Simulation.Options.defaults(4242, nemesis);
      Counting counted = new Counting(ProtobufSimWire.INSTANCE);
      String throughTheCodec = edn(Simulation.run(options, counted));
      assertThat(throughTheCodec).as(nemesis).isEqualTo(edn(Simulation.run(options, SimWire.IN_MEMORY)));
      assertThat(counted.requests).as(nemesis).isGreaterThan(1_000);
      assertThat(counted.responses).as(nemesis).isGreaterThan(1_000);
      assertThat(counted.kinds).as(nemesis).contains("PrepareRequest", "ProposeRequest", "CommitRequest",
          "ReplicaWriteRequest", "ReplicaReadRequest", "HeartbeatRequest");
    }
    assertThat(edn(Simulation.run(Simulation.Options.defaults(4242, "membership"))))
        .contains("join n6").contains("decommission n6");
  }

  @Test
  void aMessageTheCodecRefusesIsABrokenPromise() {
    Counting refusing = new Counting(ProtobufSimWire.INSTANCE) {
      @Override
      public PeerRequest<?> request(PeerRequest<?> request) {
        if (request instanceof io.dialkv.core.transport.ProposeRequest && requests > 500) {
          throw new io.dialkv.core.data.InvalidRequestException("proposal without a ballot");
        }
        return super.request(request);
      }
    };
    Simulation.Result r = Simulation.run(Simulation.Options.defaults(5, "none"), refusing);
    assertThat(r.violations()).anyMatch(v -> v.startsWith("wire: the peer codec refused a message the core sent: ")
        && v.contains("ProposeRequest") && v.contains("proposal without a ballot"));
  }

  /** A wire that counts what crosses it. */
  private static class Counting implements SimWire {
    private final SimWire inner;
    int requests;
    int responses;
    final java.util.Set<String> kinds = new java.util.TreeSet<>();

    Counting(SimWire inner) {
      this.inner = inner;
    }

    @Override
    public PeerRequest<?> request(PeerRequest<?> request) {
      requests++;
      kinds.add(request.getClass().getSimpleName());
      return inner.request(request);
    }

    @Override
    public PeerResponse response(PeerRequest<?> request, PeerResponse response) {
      responses++;
      return inner.response(request, response);
    }
  }

  @Test
  void aRunInjectsFaultsWhileClientsWorkAndChecksEveryLevel() {
    Simulation.Result r = Simulation.run(Simulation.Options.defaults(7, "partition-halves"));
    assertThat(r.faults()).hasSizeGreaterThan(2);
    assertThat(r.history()).anyMatch(Op::isNemesis);
    assertThat(r.levels()).extracting(l -> l.level()).containsExactly("ONE", "QUORUM", "ALL", "LINEARIZABLE");
    // Every level served something, ALL lost some to the partition, and all promises held.
    r.levels().forEach(l -> assertThat(l.ok()).as(l.level()).isPositive());
    assertThat(r.levels().get(2).failed() + r.levels().get(2).indeterminate()).isPositive();
    assertThat(r.levels().get(3).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    assertThat(r.violations()).isEmpty();
    // The profile workload ran beside the registers at every level, and was judged too.
    assertThat(r.profiles()).extracting(p -> p.level()).containsExactly("ONE", "QUORUM", "ALL", "LINEARIZABLE");
    r.profiles().forEach(p -> assertThat(p.ok()).as(p.level()).isGreaterThan(20));
    assertThat(r.history()).anyMatch(op -> String.valueOf(op.key()).endsWith("/attributes.team"));
    // Virtual time runs far ahead of the test's own.
    assertThat(r.simulatedNanos()).isGreaterThan(5_000_000_000L);
  }

  @Test
  void aPausedNodeServesNothingUntilItResumes() {
    Simulation.Result r = Simulation.run(Simulation.Options.defaults(11, "pause"));
    assertThat(r.history()).anyMatch(op -> op.isNemesis() && String.valueOf(op.value()).startsWith("pause n"));
    assertThat(r.violations()).isEmpty();
  }

  @Test
  void theFaultsOnlyASimulationGivesRunAndEveryPromiseHolds() {
    Map<String, String> firstFault = Map.of(
        "swizzle", "swizzle: cut off [n",
        "clocks", "clocks: n",
        "membership-under-faults", "join n6 + ",
        "lossy", "lossy: ");
    firstFault.forEach((nemesis, start) -> {
      Simulation.Result r = Simulation.run(Simulation.Options.defaults(7, nemesis));
      List<String> faults = r.history().stream()
          .filter(op -> op.isNemesis() && op.type() == Op.Type.INFO && !"healing".equals(op.value()))
          .map(op -> String.valueOf(op.value())).toList();
      assertThat(faults).as(nemesis).hasSizeGreaterThanOrEqualTo(3).first().asString().startsWith(start);
      assertThat(r.violations()).as(nemesis).isEmpty();
      r.levels().forEach(l -> assertThat(l.ok()).as(nemesis + " " + l.level()).isPositive());
      assertThat(r.levels().get(3).verdict()).as(nemesis).isEqualTo(Verdict.LINEARIZABLE);
    });
    assertThat(Simulation.run(Simulation.Options.defaults(7, "lossy")).history())
        .anyMatch(op -> op.isNemesis() && String.valueOf(op.value()).matches("lossy: .* [1-9]\\d* links lossier, [1-9]\\d* slower"));
    // Under drifting and jumping clocks last-write-wins misorders writes at QUORUM and ALL: the
    // judge allows it there, as under a skew, and nowhere else.
    // Whether one seed's schedule happens to misorder a pair of writes is chance: a few seeds show it.
    boolean misordered = false;
    for (long seed = 7; seed <= 12 && !misordered; seed++) {
      Simulation.Result clocks = Simulation.run(Simulation.Options.defaults(seed, "clocks"));
      assertThat(clocks.violations()).as("clocks, seed " + seed).isEmpty();
      misordered = clocks.allowed().stream()
          .anyMatch(a -> (a.startsWith("QUORUM: ") || a.startsWith("ALL: ")) && a.contains("under clock skew"));
    }
    assertThat(misordered).as("a QUORUM or ALL anomaly under clock skew, allowed, in seeds 7-12").isTrue();
    // Ranges moved under another fault each window: joins and decommissions all completed.
    Simulation.Result moving = Simulation.run(Simulation.Options.defaults(7, "membership-under-faults"));
    assertThat(moving.history()).anyMatch(op -> op.isNemesis() && String.valueOf(op.value()).startsWith("decommission n6 + "));
  }

  @Test
  void aPowerLossLosesNothingAcknowledgedWithSyncedWritesAndBreaksEveryLevelWithout() {
    Simulation.Result synced = Simulation.run(Simulation.Options.defaults(3, "power-loss"));
    assertThat(synced.history()).anyMatch(op -> op.isNemesis() && String.valueOf(op.value()).startsWith("power loss ["));
    assertThat(synced.violations()).isEmpty();
    assertThat(synced.levels().get(3).verdict()).isEqualTo(Verdict.LINEARIZABLE);
    // Without --sync-writes the same cut loses acknowledged writes and Paxos state: shown, allowed.
    boolean lostSomething = false;
    for (long seed = 1; seed <= 4 && !lostSomething; seed++) {
      Simulation.Result unsynced = Simulation.run(Simulation.Options.defaults(seed, "power-loss-unsynced"));
      assertThat(unsynced.violations()).isEmpty();
      lostSomething = unsynced.allowed().stream().anyMatch(a ->
          (a.startsWith("QUORUM (power loss without --sync-writes)") || a.startsWith("LINEARIZABLE (power loss"))
              && !a.contains(" 0 lost acknowledged writes") || a.contains("not linearizable"));
    }
    assertThat(lostSomething).as("an unsynced power loss lost an acknowledged write or broke linearizability").isTrue();
  }

  @Test
  void theJudgeTellsABrokenPromiseFromAnAllowedAnomaly() {
    // ONE may read stale; LINEARIZABLE may not.
    var stale = new io.dialkv.harness.Anomalies(2, 0, 0, 0, java.util.List.of("stale read: example"));
    var none = new io.dialkv.harness.Anomalies(0, 0, 0, 0, java.util.List.of());
    java.util.List<String> violations = new java.util.ArrayList<>();
    java.util.List<String> allowed = new java.util.ArrayList<>();
    Promises.judge(java.util.List.of(level("ONE", stale, Verdict.NOT_LINEARIZABLE),
        level("QUORUM", none, Verdict.LINEARIZABLE)), false, violations, allowed);
    assertThat(violations).isEmpty();
    assertThat(allowed).singleElement().asString().startsWith("ONE: 2 stale reads");
    Promises.judge(java.util.List.of(level("QUORUM", stale, Verdict.LINEARIZABLE)), true, violations, allowed);
    assertThat(violations).isEmpty();
    Promises.judge(java.util.List.of(level("QUORUM", stale, Verdict.LINEARIZABLE),
        level("LINEARIZABLE", none, Verdict.NOT_LINEARIZABLE)), false, violations, allowed);
    assertThat(violations).hasSize(2);
    assertThat(violations.get(0)).startsWith("QUORUM: 2 stale reads");
    assertThat(violations.get(1)).startsWith("LINEARIZABLE: not linearizable");

    // Profile fields are last-write-wins registers: a lost update is allowed at ONE, and at QUORUM
    // only under clock faults.
    violations.clear();
    allowed.clear();
    var lostOne = new io.dialkv.harness.ProfileResult("ONE", 5, 0, 0, 1, java.util.List.of("u/bio"));
    var lostQuorum = new io.dialkv.harness.ProfileResult("QUORUM", 5, 0, 0, 1, java.util.List.of("u/bio"));
    Promises.judgeProfiles(java.util.List.of(lostOne, lostQuorum), false, violations, allowed);
    assertThat(allowed).singleElement().asString().startsWith("ONE profiles: 1 lost updates");
    assertThat(violations).singleElement().asString().startsWith("QUORUM profiles: 1 lost updates");
    Promises.judgeProfiles(java.util.List.of(lostQuorum), true, violations, allowed);
    assertThat(violations).hasSize(1);
  }

  private static io.dialkv.harness.LevelResult level(String name, io.dialkv.harness.Anomalies a, Verdict v) {
    return new io.dialkv.harness.LevelResult(name, 10, 10, 0, 0, 0, 0, a, v, "", 1, 2, java.util.List.of());
  }

  @Test
  void aSimulatedClientIsToldEachFailureAsTheNodesClientIs() {
    // Every kind the node names in its error trailer is one the client reads, but the two it
    // treats as other (a clock too far off, a node shutting down: neither says whether it applied).
    for (io.dialkv.core.node.FailureKind kind : io.dialkv.core.node.FailureKind.values()) {
      io.dialkv.client.DialException.Kind read = io.dialkv.client.DialException.Kind.fromWireName(kind.wireName());
      if (kind == io.dialkv.core.node.FailureKind.CLOCK_OFFSET || kind == io.dialkv.core.node.FailureKind.SHUTTING_DOWN) {
        assertThat(read).as(kind.name()).isEqualTo(io.dialkv.client.DialException.Kind.OTHER);
      } else {
        assertThat(read.name()).as(kind.name()).isEqualTo(kind.name());
      }
    }
    assertThat(Simulation.kindOf(new java.util.concurrent.CompletionException(
        new io.dialkv.core.coordinator.ContentionException("deadline")))).isEqualTo(io.dialkv.client.DialException.Kind.CONTENTION);
    assertThat(Simulation.kindOf(new IllegalStateException("n3 is not running")))
        .isEqualTo(io.dialkv.client.DialException.Kind.NO_ENDPOINT);
  }

  @Test
  void unknownNemesesAndLevelsAreRefusedWithTheChoices() {
    assertThatThrownBy(() -> Simulation.run(Simulation.Options.defaults(1, "flood")))
        .hasMessageContaining("unknown nemesis 'flood'").hasMessageContaining("lossy");
    assertThatThrownBy(() -> Simulation.run(Simulation.Options.defaults(1, "none")
            .with("none", java.util.List.of("SOME"), 10, 5)))
        .hasMessageContaining("unknown level 'SOME'");
  }
}
