package io.dialkv.node;

import io.dialkv.core.storage.Storage;
import io.dialkv.core.storage.StorageContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class RocksDbStorageTest extends StorageContract {
  @TempDir Path dir;
  private Storage open;

  @Override
  protected Storage storage() {
    open = RocksDbStorage.open(dir.resolve("db"), false);
    return open;
  }

  @Override
  protected Storage reopen(Storage storage) {
    storage.close();
    open = RocksDbStorage.open(dir.resolve("db"), false);
    return open;
  }

  @AfterEach
  void close() {
    if (open != null) {
      open.close();
    }
  }
}
