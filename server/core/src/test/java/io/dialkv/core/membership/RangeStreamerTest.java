package io.dialkv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.data.Row;
import io.dialkv.core.replica.ReplicaHandler;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.ring.TokenSpan;
import io.dialkv.core.storage.InMemoryStorage;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.FetchRowsResponse;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.Transport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Streaming yields to a node's clients: pages wait while this node is pressed (at most a second
 * each, so a move always ends), and after the source says it is pressed. Virtual time; the source
 * (n2) is reached through a transport that records when each page was asked for.
 */
class RangeStreamerTest {
  private static final long EPOCH = 1_767_225_600_000L;
  private static final int ROWS = 400;
  private static final byte[] VALUE = new byte[10_000]; // 400 rows of 10 kB: four pages of 1 MB

  @Test
  void withNoClientsPressingEveryPageIsFetchedAtOnce() {
    Run run = new Run(() -> false, false);
    run.stream();
    assertThat(run.fetchedAtMillis).hasSizeGreaterThanOrEqualTo(4).allMatch(t -> t == 0);
    assertThat(run.streamer.yields()).isZero();
    run.assertTargetHoldsEveryRow();
  }

  @Test
  void pagesWaitWhileThisNodesClientsPressAndGoOnOnceTheyStop() {
    Run run = new Run(null, false);
    run.busy = () -> run.nowMillis() < 600;
    run.stream();
    assertThat(run.fetchedAtMillis.get(0)).isEqualTo(600);
    assertThat(run.fetchedAtMillis).allMatch(t -> t == 600);
    assertThat(run.streamer.yields()).isEqualTo(12);
    run.assertTargetHoldsEveryRow();
  }

  @Test
  void underAPressureThatNeverEndsEachPageWaitsASecondAndTheMoveStillEnds() {
    Run run = new Run(() -> true, false);
    run.stream();
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < run.fetchedAtMillis.size(); i++) {
      expected.add(1000L * (i + 1));
    }
    assertThat(run.fetchedAtMillis).isEqualTo(expected);
    run.assertTargetHoldsEveryRow();
  }

  @Test
  void aSourceThatSaysItsClientsPressGetsItsNextPagesAQuarterOfASecondApart() {
    Run run = new Run(() -> false, true);
    run.stream();
    List<Long> expected = new ArrayList<>();
    for (int i = 0; i < run.fetchedAtMillis.size(); i++) {
      expected.add(250L * i);
    }
    assertThat(run.fetchedAtMillis).isEqualTo(expected);
    run.assertTargetHoldsEveryRow();
  }

  /** n1 pulls every row of n2 under the given pressure. */
  private static final class Run {
    final ManualLoop loop = new ManualLoop();
    final InMemoryStorage sourceStorage = new InMemoryStorage();
    final InMemoryStorage targetStorage = new InMemoryStorage();
    final List<Long> fetchedAtMillis = new ArrayList<>();
    BooleanSupplier busy;
    final RangeStreamer streamer;

    Run(BooleanSupplier busy, boolean sourceBusy) {
      this.busy = busy;
      Clock clock = new Clock() {
        @Override
        public long physicalMillis() {
          return EPOCH + nowMillis();
        }

        @Override
        public long monotonicNanos() {
          return loop.nowNanos;
        }
      };
      TokenRing ring = TokenRing.create(List.of(1, 2), 8, 2);
      ReplicaHandler source = new ReplicaHandler(2, sourceStorage, new HybridClock(clock, 2), () -> ring,
          RequestLimits.defaults());
      ReplicaHandler target = new ReplicaHandler(1, targetStorage, new HybridClock(clock, 1), () -> ring,
          RequestLimits.defaults());
      for (int i = 0; i < ROWS; i++) {
        sourceStorage.put("k" + i, Row.of(Map.of("value", Cell.live(VALUE, new Timestamp(EPOCH, 0, 2)))));
      }
      Transport toSource = new Transport() {
        @Override
        @SuppressWarnings("unchecked")
        public <R extends PeerResponse> CompletableFuture<R> send(int to, PeerRequest<R> request, Duration timeout) {
          assertThat(to).isEqualTo(2);
          fetchedAtMillis.add(nowMillis());
          FetchRowsResponse page = source.handle((FetchRowsRequest) request);
          return CompletableFuture.completedFuture((R) page.busy(sourceBusy));
        }

        @Override
        public void close() {}
      };
      streamer = new RangeStreamer(1, target, toSource, Duration.ofSeconds(5), loop, () -> this.busy.getAsBoolean(),
          new io.dialkv.core.stats.NodeCounters());
    }

    long nowMillis() {
      return loop.nowNanos / 1_000_000;
    }

    void stream() {
      CompletableFuture<RangeStreamer.Totals> done =
          streamer.run(List.of(new RangeStreamer.Transfer(2, 1, List.of(new TokenSpan(0, 0)))));
      loop.runUntil(done::isDone, Duration.ofMinutes(1));
      assertThat(done).isCompleted();
      assertThat(done.join().rows()).isEqualTo(ROWS);
    }

    void assertTargetHoldsEveryRow() {
      for (int i = 0; i < ROWS; i++) {
        assertThat(targetStorage.get("k" + i)).as("k" + i).isPresent();
      }
    }
  }

  /** A single-threaded loop in virtual time. */
  private static final class ManualLoop implements Scheduler {
    private record Task(long dueNanos, long seq, Runnable run) {}

    private final PriorityQueue<Task> queue = new PriorityQueue<>(
        (a, b) -> a.dueNanos != b.dueNanos ? Long.compare(a.dueNanos, b.dueNanos) : Long.compare(a.seq, b.seq));
    long nowNanos;
    private long seq;

    @Override
    public void execute(Runnable task) {
      queue.add(new Task(nowNanos, seq++, task));
    }

    @Override
    public Cancellable schedule(Duration delay, Runnable task) {
      Task t = new Task(nowNanos + delay.toNanos(), seq++, task);
      queue.add(t);
      return () -> queue.remove(t);
    }

    @Override
    public boolean inLoop() {
      return true;
    }

    @Override
    public java.util.random.RandomGenerator random() {
      return new java.util.SplittableRandom(7);
    }

    void runUntil(BooleanSupplier done, Duration limit) {
      while (!done.getAsBoolean() && !queue.isEmpty() && queue.peek().dueNanos <= limit.toNanos()) {
        Task t = queue.poll();
        nowNanos = t.dueNanos;
        t.run.run();
      }
    }
  }
}
