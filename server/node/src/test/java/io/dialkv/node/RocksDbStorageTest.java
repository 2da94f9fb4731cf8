package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.core.data.Mutation;
import io.dialkv.core.membership.Member;
import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.storage.StorageContract;
import io.dialkv.core.time.Timestamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksDbStorageTest extends StorageContract {
  @TempDir Path dir;
  private Storage open;

  /** Opens (or reopens) the database in {@code folder}, closed after the test. */
  private Storage openAt(String folder, boolean syncWrites, long cacheBytes) {
    open = RocksDbStorage.open(dir.resolve(folder), syncWrites, cacheBytes);
    return open;
  }

  @Override
  protected Storage storage() {
    return openAt("db", false, RocksDbStorage.DEFAULT_CACHE_BYTES);
  }

  @Override
  protected Storage reopen(Storage storage) {
    storage.close();
    return storage();
  }

  @AfterEach
  void close() {
    if (open != null) {
      open.close();
    }
  }

  /** Bytes in RocksDB's write-ahead log files: what a killed process leaves behind. */
  private static long logBytes(Path db) throws IOException {
    try (Stream<Path> files = Files.list(db)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".log")).mapToLong(f -> f.toFile().length()).sum();
    }
  }

  @Test
  void writesReachTheLogFileOncePerLoopTurnBeforeSyncedCompletes() throws IOException {
    RocksDbStorage storage = RocksDbStorage.open(dir.resolve("db"), false);
    open = storage;
    long before = logBytes(dir.resolve("db"));
    for (int i = 0; i < 20; i++) {
      storage.put("k" + i, Mutation.put(new byte[] {1}).at(new Timestamp(1, 0, 1)));
    }
    assertThat(logBytes(dir.resolve("db"))).isEqualTo(before); // still in the process

    List<Runnable> loop = new ArrayList<>();
    CompletableFuture<Void> first = storage.synced(loop::add);
    CompletableFuture<Void> second = storage.synced(loop::add);
    assertThat(loop).hasSize(1); // one write-out serves the whole turn
    assertThat(first).isNotDone();
    loop.get(0).run();

    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    assertThat(logBytes(dir.resolve("db"))).isGreaterThan(before);
    assertThat(storage.synced(loop::add)).isCompleted(); // nothing new to write out
    assertThat(loop).hasSize(1);
  }

  @Test
  void theLogFilesStayBoundedWhenARarelyWrittenFamilyPinsTheOldest() throws IOException {
    RocksDbStorage storage = RocksDbStorage.open(dir.resolve("db"), false);
    open = storage;
    // As on a node: the membership is written once, at the start, into the first log file.
    storage.saveMembers(List.of(new Member(1, "127.0.0.1:8001", "127.0.0.1:7001", MemberStatus.NORMAL, 1)));
    byte[] value = new byte[64 << 10];
    long written = 0;
    for (int i = 0; written < 4 * RocksDbStorage.MAX_LOG_BYTES; i++) {
      storage.put("k" + (i % 4), Mutation.put(value).at(new Timestamp(i + 1, 0, 1)));
      written += value.length;
      if (i % 16 == 0) {
        storage.synced(Runnable::run).join();
      }
    }
    storage.synced(Runnable::run).join();

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(logBytes(dir.resolve("db"))).isLessThan(2 * RocksDbStorage.MAX_LOG_BYTES));
    assertThat(storage.savedMembers()).extracting(Member::id).containsExactly(1);
  }

  @Test
  void withSyncWritesTheLogIsWrittenOutBySyncsNotByEachWrite() throws IOException {
    RocksDbStorage storage = RocksDbStorage.open(dir.resolve("db"), true);
    open = storage;
    long before = logBytes(dir.resolve("db"));
    for (int i = 0; i < 20; i++) {
      storage.put("k" + i, Mutation.put(new byte[] {1}).at(new Timestamp(1, 0, 1)));
    }
    assertThat(logBytes(dir.resolve("db"))).isEqualTo(before); // twenty writes, no system call yet

    storage.synced(Runnable::run).join(); // the sync writes the log out, then fsyncs it
    assertThat(logBytes(dir.resolve("db"))).isGreaterThan(before);

    long afterRows = logBytes(dir.resolve("db"));
    storage.saveMembers(List.of(new Member(1, "127.0.0.1:8001", "127.0.0.1:7001", MemberStatus.NORMAL, 1)));
    assertThat(logBytes(dir.resolve("db"))).isGreaterThan(afterRows); // out (and synced) on return
  }

  /** The same contract with every acknowledgement waiting for an fsync (group commit). */
  @Nested
  class WithSyncWrites extends StorageContract {
    @Override
    protected Storage storage() {
      return openAt("synced", true, RocksDbStorage.DEFAULT_CACHE_BYTES);
    }

    @Override
    protected Storage reopen(Storage storage) {
      storage.close();
      return storage();
    }
  }

  /** The same contract with no memory of recent rows: every read goes to RocksDB. */
  @Nested
  class WithoutCache extends StorageContract {
    @Override
    protected Storage storage() {
      return openAt("nocache", false, 0);
    }

    @Override
    protected Storage reopen(Storage storage) {
      storage.close();
      return storage();
    }
  }
}
