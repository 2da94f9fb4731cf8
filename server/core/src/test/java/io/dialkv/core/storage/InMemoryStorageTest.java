package io.dialkv.core.storage;

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
}
