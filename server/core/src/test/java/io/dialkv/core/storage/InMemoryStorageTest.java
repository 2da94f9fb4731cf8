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
}
