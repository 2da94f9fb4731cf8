package io.dialkv.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Mutation;
import io.dialkv.core.paxos.PaxosState;
import io.dialkv.core.time.Timestamp;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class InMemoryStorageTest extends StorageContract {
  @Override
  protected Storage storage() {
    return new InMemoryStorage();
  }

  @Override
  protected Storage reopen(Storage storage) {
    storage.close();
    ((InMemoryStorage) storage).reopen();
    return storage;
  }

  @Test
  void aCrashLosesWhatNoWriteOutCoveredAndKeepsWhatOneDid() {
    InMemoryStorage disk = new InMemoryStorage();
    ArrayDeque<Runnable> loop = new ArrayDeque<>();
    Timestamp t = new Timestamp(1, 0, 1);
    disk.put("kept", Mutation.put(new byte[] {1}).at(t));
    CompletableFuture<Void> synced = disk.synced(loop::add);
    assertThat(synced).isNotDone(); // the write-out is a task of the loop, as RocksDB's is
    loop.poll().run();
    assertThat(synced).isDone();
    disk.put("kept", Mutation.put(new byte[] {2}).at(t));
    disk.put("lost", Mutation.put(new byte[] {3}).at(t));
    disk.putPaxos("lost", PaxosState.EMPTY);
    CompletableFuture<Void> pending = disk.synced(loop::add);
    disk.crashLosingUnsynced(); // before the loop ran the write-out
    disk.reopen();
    assertThat(pending).isNotDone();
    assertThat(disk.get("kept").orElseThrow().liveCells().get(Mutation.VALUE_CELL).valueUnsafe())
        .containsExactly(1);
    assertThat(disk.get("lost")).isEmpty();
    assertThat(disk.getPaxos("lost")).isEmpty();
    // Nothing pending: synced completes at once.
    assertThat(disk.synced(loop::add)).isDone();
  }

  private static int value(InMemoryStorage disk, String key) {
    return disk.get(key).orElseThrow().liveCells().get(Mutation.VALUE_CELL).valueUnsafe()[0];
  }

  /** Stores the value and runs the write-out, as an acknowledged write is. */
  private static void acknowledged(InMemoryStorage disk, String key, int value) {
    ArrayDeque<Runnable> loop = new ArrayDeque<>();
    disk.put(key, Mutation.put(new byte[] {(byte) value}).at(new Timestamp(value, 0, 1)));
    disk.putPaxos(key, PaxosState.EMPTY);
    CompletableFuture<Void> synced = disk.synced(loop::add);
    loop.poll().run();
    assertThat(synced).isDone();
  }

  @Test
  void aPowerLossWithoutSyncLosesWhatTheOsHadNotWrittenBackAcknowledgedOrNot() {
    InMemoryStorage disk = new InMemoryStorage();
    acknowledged(disk, "old", 1);
    disk.osWriteBack();
    acknowledged(disk, "old", 2);
    acknowledged(disk, "new", 3);
    disk.crashLosingUnsynced(); // a killed process: the page cache keeps both
    disk.reopen();
    assertThat(value(disk, "old")).isEqualTo(2);
    assertThat(value(disk, "new")).isEqualTo(3);
    disk.crashLosingPower(); // the machine: back to the last write-back
    disk.reopen();
    assertThat(value(disk, "old")).isEqualTo(1);
    assertThat(disk.get("new")).isEmpty();
    assertThat(disk.getPaxos("new")).isEmpty();
  }

  @Test
  void aPowerLossWithSyncLosesNothingAcknowledged() {
    InMemoryStorage disk = new InMemoryStorage();
    disk.syncWrites(true);
    acknowledged(disk, "a", 1);
    acknowledged(disk, "a", 2);
    disk.put("unacknowledged", Mutation.put(new byte[] {9}).at(new Timestamp(9, 0, 1)));
    disk.crashLosingPower();
    disk.reopen();
    assertThat(value(disk, "a")).isEqualTo(2);
    assertThat(disk.getPaxos("a")).isPresent();
    assertThat(disk.get("unacknowledged")).isEmpty();
  }

  @Test
  void theWriteBackHappensAtEveryMultipleOfItsPeriodWithoutATask() {
    long[] now = {0};
    InMemoryStorage disk = new InMemoryStorage();
    disk.writeBackEvery(java.time.Duration.ofSeconds(5), () -> now[0]);
    now[0] = 4_000_000_000L;
    acknowledged(disk, "a", 1); // written out at 4 s
    now[0] = 4_900_000_000L;
    disk.crashLosingPower(); // before the write-back at 5 s
    disk.reopen();
    assertThat(disk.get("a")).isEmpty();
    acknowledged(disk, "a", 2); // at 4.9 s
    now[0] = 5_100_000_000L;
    disk.crashLosingPower(); // after it
    disk.reopen();
    assertThat(value(disk, "a")).isEqualTo(2);
  }
}
