package io.dialkv.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.Hint;
import io.dialkv.core.membership.Member;
import io.dialkv.core.paxos.PaxosState;
import io.dialkv.core.storage.Storage;
import io.dialkv.proto.v1.peer.MemberList;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;
import org.rocksdb.ColumnFamilyDescriptor;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ColumnFamilyOptions;
import org.rocksdb.DBOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.WriteOptions;

/**
 * Rows in RocksDB, one entry per row key, encoded as the {@code peer.Row} protobuf. Every put goes
 * through RocksDB's write-ahead log before it returns, so a killed process loses no acknowledged
 * write. With {@code syncWrites} the log is also fsync'd before a write is acknowledged, which
 * survives power loss: by group commit ({@link GroupCommit}, through {@link #synced}), one fsync
 * for all the writes that arrived while the last one ran. The rare writes of cluster metadata
 * (members, repair history) are synced on their own, before they return.
 *
 * <p>Under group commit a write is visible to reads on this node a moment before it is synced;
 * it is acknowledged only after.
 */
public final class RocksDbStorage implements Storage {
  static {
    RocksDB.loadLibrary();
  }

  private final DBOptions options;
  private final ColumnFamilyOptions familyOptions;
  private final WriteOptions writeOptions;
  private final WriteOptions metaWriteOptions;
  private final GroupCommit groupCommit;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final ColumnFamilyHandle rows;
  private final ColumnFamilyHandle paxos;
  private final ColumnFamilyHandle hints;
  private final ColumnFamilyHandle meta;
  private final Path directory;

  private RocksDbStorage(Path directory, boolean syncWrites) throws RocksDBException {
    this.directory = directory;
    this.options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true);
    this.familyOptions = new ColumnFamilyOptions();
    this.writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
    this.metaWriteOptions = new WriteOptions().setSync(syncWrites).setDisableWAL(false);
    // Rows in the default column family; Paxos state in its own, so that it can be compacted and
    // inspected apart from the data.
    List<ColumnFamilyDescriptor> families = List.of(
        new ColumnFamilyDescriptor(RocksDB.DEFAULT_COLUMN_FAMILY, familyOptions),
        new ColumnFamilyDescriptor("paxos".getBytes(StandardCharsets.UTF_8), familyOptions),
        new ColumnFamilyDescriptor("hints".getBytes(StandardCharsets.UTF_8), familyOptions),
        new ColumnFamilyDescriptor("meta".getBytes(StandardCharsets.UTF_8), familyOptions));
    this.db = RocksDB.open(options, directory.toString(), families, handles);
    this.rows = handles.get(0);
    this.paxos = handles.get(1);
    this.hints = handles.get(2);
    this.meta = handles.get(3);
    this.groupCommit = syncWrites ? new GroupCommit("dialkv-wal-sync", db::syncWal) : null;
  }

  @Override
  public CompletableFuture<Void> synced(Executor loop) {
    return groupCommit == null ? CompletableFuture.completedFuture(null) : groupCommit.request(loop);
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
      byte[] bytes = db.get(rows, key.getBytes(StandardCharsets.UTF_8));
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
      db.put(rows, writeOptions, key.getBytes(StandardCharsets.UTF_8), ProtoCodec.toProto(row).toByteArray());
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String key) {
    try {
      db.delete(rows, writeOptions, key.getBytes(StandardCharsets.UTF_8));
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB delete of '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  private static final byte[] REPAIRED_RANGES = "repaired-ranges".getBytes(StandardCharsets.UTF_8);

  /** Range numbers and times as (int, long) pairs, big-endian. */
  @Override
  public Map<Integer, Long> repairedRanges() {
    try {
      byte[] bytes = db.get(meta, REPAIRED_RANGES);
      Map<Integer, Long> map = new TreeMap<>();
      if (bytes != null) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.remaining() >= 12) {
          map.put(b.getInt(), b.getLong());
        }
      }
      return map;
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB read of the repair history failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void putRepairedRanges(Map<Integer, Long> repairedAt) {
    ByteBuffer b = ByteBuffer.allocate(12 * repairedAt.size());
    repairedAt.forEach((range, millis) -> b.putInt(range).putLong(millis));
    try {
      db.put(meta, metaWriteOptions, REPAIRED_RANGES, b.array());
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of the repair history failed: " + e.getMessage(), e);
    }
  }

  private static final byte[] MEMBERS = "members".getBytes(StandardCharsets.UTF_8);

  @Override
  public List<Member> savedMembers() {
    try {
      byte[] bytes = db.get(meta, MEMBERS);
      return bytes == null ? List.of() : ProtoCodec.fromProto(MemberList.parseFrom(bytes).getMembersList());
    } catch (RocksDBException | InvalidProtocolBufferException e) {
      throw new IllegalStateException("RocksDB read of the saved membership failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void saveMembers(List<Member> members) {
    try {
      db.put(meta, metaWriteOptions, MEMBERS,
          MemberList.newBuilder().addAllMembers(ProtoCodec.toProto(members)).build().toByteArray());
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of the membership failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<PaxosState> getPaxos(String key) {
    try {
      byte[] bytes = db.get(paxos, key.getBytes(StandardCharsets.UTF_8));
      return bytes == null
          ? Optional.empty()
          : Optional.of(ProtoCodec.fromProto(io.dialkv.proto.v1.peer.PaxosState.parseFrom(bytes)));
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB read of Paxos state of '" + key + "' failed: " + e.getMessage(), e);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("Paxos state of '" + key + "' in " + directory + " is corrupt", e);
    }
  }

  @Override
  public void putPaxos(String key, PaxosState state) {
    try {
      db.put(paxos, writeOptions, key.getBytes(StandardCharsets.UTF_8), ProtoCodec.toProto(state).toByteArray());
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of Paxos state of '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  /**
   * Hints are keyed target (4 bytes), created millis (8), sequence (8), all big-endian, so that one
   * target's hints are contiguous and oldest first; the value is the write as a peer
   * ReplicaWriteRequest.
   */
  private static byte[] hintKey(int target, long createdMillis, long sequence) {
    return ByteBuffer.allocate(20).putInt(target).putLong(createdMillis).putLong(sequence).array();
  }

  @Override
  public void putHint(Hint hint) {
    byte[] value =
        io.dialkv.proto.v1.peer.ReplicaWriteRequest.newBuilder()
            .setKey(hint.key())
            .setMutation(ProtoCodec.toProto(hint.row()))
            .build()
            .toByteArray();
    try {
      db.put(hints, writeOptions, hintKey(hint.target(), hint.createdMillis(), hint.sequence()), value);
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of a hint for n" + hint.target() + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public List<Hint> hints(int target, int limit) {
    List<Hint> list = new ArrayList<>();
    byte[] prefix = ByteBuffer.allocate(4).putInt(target).array();
    try (RocksIterator it = db.newIterator(hints)) {
      for (it.seek(prefix); it.isValid() && list.size() < limit; it.next()) {
        ByteBuffer key = ByteBuffer.wrap(it.key());
        if (key.getInt() != target) {
          break;
        }
        long created = key.getLong();
        long sequence = key.getLong();
        io.dialkv.proto.v1.peer.ReplicaWriteRequest write =
            io.dialkv.proto.v1.peer.ReplicaWriteRequest.parseFrom(it.value());
        list.add(new Hint(target, created, sequence, write.getKey(), ProtoCodec.fromProto(write.getMutation())));
      }
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a hint for n" + target + " in " + directory + " is corrupt", e);
    }
    return list;
  }

  @Override
  public void deleteHint(Hint hint) {
    try {
      db.delete(hints, writeOptions, hintKey(hint.target(), hint.createdMillis(), hint.sequence()));
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB delete of a hint for n" + hint.target() + " failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Map<Integer, Long> countHints() {
    Map<Integer, Long> counts = new TreeMap<>();
    try (RocksIterator it = db.newIterator(hints)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        counts.merge(ByteBuffer.wrap(it.key()).getInt(), 1L, Long::sum);
      }
    }
    return counts;
  }

  @Override
  public void scan(BiConsumer<String, Row> visitor) {
    try (RocksIterator it = db.newIterator(rows)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        String key = new String(it.key(), StandardCharsets.UTF_8);
        try {
          visitor.accept(key, ProtoCodec.fromProto(io.dialkv.proto.v1.peer.Row.parseFrom(it.value())));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("row '" + key + "' in " + directory + " is corrupt", e);
        }
      }
    }
  }

  @Override
  public void scanAfter(String afterKey, BiPredicate<String, Row> visitor) {
    byte[] after = afterKey.getBytes(StandardCharsets.UTF_8);
    try (RocksIterator it = db.newIterator(rows)) {
      it.seek(after);
      if (it.isValid() && java.util.Arrays.equals(it.key(), after)) {
        it.next();
      }
      for (; it.isValid(); it.next()) {
        String key = new String(it.key(), StandardCharsets.UTF_8);
        Row row;
        try {
          row = ProtoCodec.fromProto(io.dialkv.proto.v1.peer.Row.parseFrom(it.value()));
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalStateException("row '" + key + "' in " + directory + " is corrupt", e);
        }
        if (!visitor.test(key, row)) {
          return;
        }
      }
    }
  }

  @Override
  public long approximateRowCount() {
    try {
      return db.getLongProperty(rows, "rocksdb.estimate-num-keys");
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    if (groupCommit != null) {
      groupCommit.close();
    }
    handles.forEach(ColumnFamilyHandle::close);
    db.close();
    writeOptions.close();
    metaWriteOptions.close();
    familyOptions.close();
    options.close();
  }
}
