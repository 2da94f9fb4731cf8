package io.dialkv.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dialkv.core.data.Row;
import io.dialkv.core.storage.Storage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteOptions;

/**
 * Rows in RocksDB, one entry per row key, encoded as the {@code peer.Row} protobuf. Every put goes
 * through RocksDB's write-ahead log before it returns, so a killed process loses no acknowledged
 * write. With {@code syncWrites} the log is also fsync'd, which survives power loss at the cost of
 * an fsync per write.
 */
public final class RocksDbStorage implements Storage {
  static {
    RocksDB.loadLibrary();
  }

  private final Options options;
  private final WriteOptions writeOptions;
  private final RocksDB db;
  private final Path directory;

  private RocksDbStorage(Path directory, boolean syncWrites) throws RocksDBException {
    this.directory = directory;
    this.options = new Options().setCreateIfMissing(true);
    this.writeOptions = new WriteOptions().setSync(syncWrites).setDisableWAL(false);
    this.db = RocksDB.open(options, directory.toString());
  }

  /** Opens (creating if needed) the database in the directory. */
  public static RocksDbStorage open(Path directory, boolean syncWrites) {
    try {
      Files.createDirectories(directory);
      return new RocksDbStorage(directory, syncWrites);
    } catch (RocksDBException e) {
      throw new IllegalStateException(
          "cannot open RocksDB in " + directory + ": " + e.getMessage()
              + " (is another node using this data directory?)",
          e);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot create data directory " + directory, e);
    }
  }

  @Override
  public Optional<Row> get(String key) {
    try {
      byte[] bytes = db.get(key.getBytes(StandardCharsets.UTF_8));
      if (bytes == null) {
        return Optional.empty();
      }
      return Optional.of(ProtoCodec.fromProto(io.dialkv.proto.v1.peer.Row.parseFrom(bytes)));
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB read of '" + key + "' failed: " + e.getMessage(), e);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("row '" + key + "' in " + directory + " is corrupt", e);
    }
  }

  @Override
  public void put(String key, Row row) {
    try {
      db.put(writeOptions, key.getBytes(StandardCharsets.UTF_8), ProtoCodec.toProto(row).toByteArray());
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  @Override
  public long approximateRowCount() {
    try {
      return db.getLongProperty("rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    db.close();
    writeOptions.close();
    options.close();
  }
}
