package io.dialkv.core.sim;

import static io.dialkv.core.sim.SimValues.b;
import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.checker.CheckResult;
import io.dialkv.checker.LinearizabilityChecker;
import io.dialkv.checker.Verdict;
import io.dialkv.checker.history.History;
import io.dialkv.checker.history.Op;
import io.dialkv.checker.model.RegisterModel;
import io.dialkv.core.coordinator.ContentionException;
import io.dialkv.core.coordinator.IndeterminateWriteException;
import io.dialkv.core.coordinator.PaxosResult;
import io.dialkv.core.coordinator.ReadResult;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.node.DialNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * LINEARIZABLE under contention: five clients share each of five keys, with no fault, as in the
 * partition tests' workload (reads, writes, and compare-and-sets of the value each client last
 * saw). Every operation must be answered, and the history must stay linearizable.
 */
class ContentionTest {
  private static final int KEYS = 5;
  private static final int CLIENTS_PER_KEY = 5;
  private static final int OPS_PER_CLIENT = 40;

  @Test
  void fiveClientsPerKeyOnFiveCoordinatorsAreAllServedAndLinearizable() {
    SimCluster cluster = SimCluster.start(5, 3, 41);
    // Client c of a key talks to its own node: every key has five coordinators competing.
    Outcome outcome = run(cluster, c -> c % 5 + 1);
    System.out.println("five coordinators per key: " + outcome);
    assertThat(outcome.served()).as(outcome.toString()).isGreaterThanOrEqualTo(0.99);
    assertThat(outcome.check.verdict()).as(outcome.check.toString()).isEqualTo(Verdict.LINEARIZABLE);
  }

  @Test
  void whenThePreferredProposerIsDownOrCutOffAnotherReplicaRunsTheOperations() {
    SimCluster cluster = SimCluster.start(5, 3, 42);
    String key = cluster.keyFirstOn(1, "hot-");
    List<Integer> replicas = cluster.node(1).ring().replicasFor(key);
    int second = replicas.get(1);
    int outsider = cluster.nodeIds().stream().filter(n -> !replicas.contains(n)).findFirst().orElseThrow();
    cluster.await(cluster.node(outsider).put(key, b("one"), Consistency.LINEARIZABLE));

    // Cut off from the node that takes the request, before its failure detector notices: the
    // hand-off fails unsent or times out; a read then runs where it was taken.
    cluster.network().cut(outsider, 1);
    ReadResult read = cluster.await(cluster.node(outsider).get(key, Consistency.LINEARIZABLE, false));
    assertThat(read.row().liveCells().get(Mutation.VALUE_CELL).valueUnsafe()).isEqualTo(b("one"));
    cluster.network().heal();

    // Down: once the detectors see it, the next replica is the preferred proposer.
    cluster.crash(1);
    cluster.awaitSeen(outsider, 1, false);
    cluster.awaitSeen(second, 1, false);
    PaxosResult write = cluster.await(cluster.node(outsider).compareAndSet(key, b("one"), b("two")));
    assertThat(write.applied()).isTrue();
    assertThat(write.provenance().coordinator()).isEqualTo(second);
  }

  @Test
  void readsThatWaitTogetherAreAnsweredByOneRead() {
    SimCluster cluster = SimCluster.start(3, 3, 43);
    String key = cluster.keyFirstOn(1, "hot-");
    cluster.await(cluster.node(1).put(key, b("v"), Consistency.LINEARIZABLE));
    cluster.runFor(Duration.ofMillis(100));
    cluster.network().takeSentCounts();

    List<CompletableFuture<ReadResult>> reads = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      reads.add(cluster.node(1).get(key, Consistency.LINEARIZABLE, false));
    }
    cluster.await(CompletableFuture.allOf(reads.toArray(CompletableFuture[]::new)));
    for (CompletableFuture<ReadResult> read : reads) {
      assertThat(read.join().row().liveCells().get(Mutation.VALUE_CELL).valueUnsafe()).isEqualTo(b("v"));
    }
    // The first read alone, then the nine that waited behind it together: a prepare to one peer
    // each (with the own node's promise, a majority).
    assertThat(cluster.network().takeSentCounts()).containsEntry("PrepareRequest", 2);
  }

  @Test
  void aKeyQueuesABoundedNumberOfOperationsAndRefusesTheRestUnapplied() {
    SimCluster cluster = SimCluster.start(3, 3, 44);
    String key = cluster.keyFirstOn(1, "hot-");
    List<CompletableFuture<?>> writes = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      writes.add(cluster.node(1).put(key, b("w" + i), Consistency.LINEARIZABLE));
    }
    cluster.runFor(Duration.ofSeconds(30));
    long refused = writes.stream().filter(w -> w.isCompletedExceptionally()
        && w.handle((r, e) -> e.getCause() instanceof ContentionException
            && e.getCause().getMessage().contains("256 linearizable operations waiting")).join()).count();
    assertThat(writes).allMatch(CompletableFuture::isDone);
    assertThat(refused).isEqualTo(300 - 1 - 256);
    // They ran in arrival order, and the refused ones never ran: the last value is the last queued.
    String last = new String(cluster.await(cluster.node(2).get(key, Consistency.LINEARIZABLE, false))
        .row().liveCells().get(Mutation.VALUE_CELL).valueUnsafe(), StandardCharsets.UTF_8);
    assertThat(last).isEqualTo("w256");
  }

  /** What one run served, and the checker's verdict on its history. */
  private record Outcome(int operations, int unserved, Map<String, Integer> why, CheckResult check) {
    double served() {
      return 1 - unserved / (double) operations;
    }
  }

  private static Outcome run(SimCluster cluster, IntUnaryOperator coordinatorOfClient) {
    List<Op> events = new ArrayList<>();
    Map<String, Integer> why = new HashMap<>();
    int[] unserved = {0};
    List<CompletableFuture<Void>> clients = new ArrayList<>();
    long[] nextProcess = {KEYS * CLIENTS_PER_KEY};
    for (int k = 0; k < KEYS; k++) {
      for (int c = 0; c < CLIENTS_PER_KEY; c++) {
        String key = "hot-" + k;
        Client client = new Client(cluster, cluster.node(coordinatorOfClient.applyAsInt(c)), key,
            k * CLIENTS_PER_KEY + c, new Random(k * 31L + c), events, why, unserved, nextProcess);
        clients.add(client.runAll());
      }
    }
    cluster.await(CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)));
    CheckResult check = LinearizabilityChecker.withDefaults()
        .check(new History(events).operations(), RegisterModel.casRegister(0L));
    return new Outcome(KEYS * CLIENTS_PER_KEY * OPS_PER_CLIENT, unserved[0], why, check);
  }

  /** One client: its operations one after another, each recorded as it is invoked and answered. */
  private static final class Client {
    private final SimCluster cluster;
    private final DialNode node;
    private final String key;
    private final Random random;
    private final List<Op> events;
    private final Map<String, Integer> why;
    private final int[] unserved;
    private final long[] nextProcess;
    private long process;
    private long lastSeen;
    private long nextValue;
    private int done;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();

    Client(SimCluster cluster, DialNode node, String key, long process, Random random, List<Op> events,
        Map<String, Integer> why, int[] unserved, long[] nextProcess) {
      this.cluster = cluster;
      this.node = node;
      this.key = key;
      this.process = process;
      this.random = random;
      this.events = events;
      this.why = why;
      this.unserved = unserved;
      this.nextProcess = nextProcess;
      this.nextValue = process * 1_000_000L;
    }

    CompletableFuture<Void> runAll() {
      next();
      return finished;
    }

    private void next() {
      if (done++ == OPS_PER_CLIENT) {
        finished.complete(null);
        return;
      }
      double dice = random.nextDouble();
      if (dice < 0.4) {
        record(Op.Type.INVOKE, "read", null);
        node.get(key, Consistency.LINEARIZABLE, false).whenComplete((r, e) -> {
          if (e == null) {
            Cell cell = r.row().liveCells().get(Mutation.VALUE_CELL);
            long value = cell == null ? 0L : Long.parseLong(new String(cell.valueUnsafe(), StandardCharsets.UTF_8));
            lastSeen = value;
            record(Op.Type.OK, "read", value);
          } else {
            failed("read", null, e, false);
          }
          next();
        });
      } else if (dice < 0.7) {
        long value = ++nextValue;
        record(Op.Type.INVOKE, "write", value);
        node.put(key, bytes(value), Consistency.LINEARIZABLE).whenComplete((r, e) -> {
          if (e == null) {
            lastSeen = value;
            record(Op.Type.OK, "write", value);
          } else {
            failed("write", value, e, true);
          }
          next();
        });
      } else {
        List<Long> pair = List.of(lastSeen, ++nextValue);
        record(Op.Type.INVOKE, "cas", pair);
        node.compareAndSet(key, lastSeen == 0 ? null : bytes(lastSeen), bytes(pair.get(1))).whenComplete((r, e) -> {
          if (e == null) {
            record(r.applied() ? Op.Type.OK : Op.Type.FAIL, "cas", pair);
            if (r.applied()) {
              lastSeen = pair.get(1);
            }
          } else {
            failed("cas", pair, e, true);
          }
          next();
        });
      }
    }

    private void failed(String f, Object value, Throwable e, boolean write) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      unserved[0]++;
      why.merge(cause.getClass().getSimpleName(), 1, Integer::sum);
      boolean certainlyNot = cause instanceof ContentionException || !(cause instanceof IndeterminateWriteException);
      if (!write || certainlyNot) {
        record(Op.Type.FAIL, f, value);
      } else {
        // Indeterminate: it may still take effect; the process is never reused (as in Jepsen).
        record(Op.Type.INFO, f, value);
        process = nextProcess[0]++;
      }
    }

    private void record(Op.Type type, String f, Object value) {
      events.add(new Op(process, type, f, key, value, cluster.world().nowNanos(), Map.of()));
    }

    private static byte[] bytes(long value) {
      return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }
  }
}
