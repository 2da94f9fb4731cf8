package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.core.data.Row;
import io.dialkv.core.storage.Storage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitTest {
  private static final Executor DIRECT = Runnable::run;

  /** A sync that waits for a permit per run, so the test decides when each sync ends. */
  private static final class GatedSync implements GroupCommit.Sync {
    final Semaphore permits = new Semaphore(0);
    final AtomicInteger started = new AtomicInteger();
    volatile boolean fail;

    @Override
    public void run() throws Exception {
      started.incrementAndGet();
      if (!permits.tryAcquire(10, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never let this sync finish");
      }
      if (fail) {
        throw new java.io.IOException("disk full");
      }
    }
  }

  @Test
  void requestsThatArriveDuringASyncShareTheNextOneAndNoneIsAnsweredEarly() {
    GatedSync sync = new GatedSync();
    try (GroupCommit commit = new GroupCommit("test-sync", sync)) {
      CompletableFuture<Void> first = commit.request(DIRECT);
      await().atMost(Duration.ofSeconds(5)).until(() -> sync.started.get() == 1);
      // Sync 1 runs; these 100 writes came after it began, so it cannot cover them.
      List<CompletableFuture<Void>> during = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        during.add(commit.request(DIRECT));
      }
      assertThat(first).isNotDone();
      sync.permits.release(); // sync 1 ends
      await().atMost(Duration.ofSeconds(5)).until(first::isDone);
      assertThat(during).noneMatch(CompletableFuture::isDone);
      await().atMost(Duration.ofSeconds(5)).until(() -> sync.started.get() == 2);
      sync.permits.release(); // sync 2 ends: all 100 with it
      CompletableFuture.allOf(during.toArray(CompletableFuture[]::new)).join();
      assertThat(commit.counts()).containsExactly(2, 101);
    }
  }

  @Test
  void aFailedSyncFailsTheWritesThatWaitedForItAndTheNextSyncServesTheNext() {
    GatedSync sync = new GatedSync();
    try (GroupCommit commit = new GroupCommit("test-sync", sync)) {
      sync.fail = true;
      CompletableFuture<Void> doomed = commit.request(DIRECT);
      sync.permits.release();
      await().atMost(Duration.ofSeconds(5)).until(doomed::isDone);
      assertThat(doomed).isCompletedExceptionally();
      sync.fail = false;
      CompletableFuture<Void> next = commit.request(DIRECT);
      sync.permits.release();
      next.join();
    }
  }

  @Test
  void answersArriveOnTheCallersLoop() throws Exception {
    GatedSync sync = new GatedSync();
    java.util.concurrent.ExecutorService loop = java.util.concurrent.Executors.newSingleThreadExecutor(r -> new Thread(r, "the-loop"));
    AtomicInteger handedToLoop = new AtomicInteger();
    Executor counted = task -> {
      handedToLoop.incrementAndGet();
      loop.execute(task);
    };
    try (GroupCommit commit = new GroupCommit("test-sync", sync)) {
      sync.permits.release();
      String[] thread = new String[1];
      commit.request(counted).thenRun(() -> thread[0] = Thread.currentThread().getName()).get(5, TimeUnit.SECONDS);
      assertThat(handedToLoop.get()).as("the answer went through the caller's loop, not the sync thread").isEqualTo(1);
      assertThat(thread[0]).isNotEqualTo("test-sync");
    } finally {
      loop.shutdownNow();
    }
  }

  @Test
  void rocksDbWithSyncWritesAnswersSyncedOnceTheLogIsSyncedAndWithoutAtOnce(@TempDir Path dir) {
    try (Storage synced = RocksDbStorage.open(dir.resolve("synced"), true);
        Storage plain = RocksDbStorage.open(dir.resolve("plain"), false)) {
      synced.put("k", Row.EMPTY);
      synced.synced(DIRECT).orTimeout(10, TimeUnit.SECONDS).join();
      assertThat(synced.get("k")).isPresent();
      plain.put("k", Row.EMPTY);
      assertThat(plain.synced(DIRECT)).isDone();
    }
  }
}
