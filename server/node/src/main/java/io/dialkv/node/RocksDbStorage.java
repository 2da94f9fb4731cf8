package io.dialkv.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.Hint;
import io.dialkv.core.membership.Member;
import io.dialkv.core.paxos.PaxosState;
import io.dialkv.core.storage.Storage;
import io.dialkv.proto.v1.peer.MemberList;
import io.dialkv.wire.ProtoCodec;
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
 * Rows in RocksDB, one entry per row key, encoded as the {@code peer.Row} protobuf. Every write
 * goes through RocksDB's write-ahead log, and a write is acknowledged only once {@link #synced}
 * says its log record is out of the process, so a killed process loses no acknowledged write.
 *
 * <p>Without {@code syncWrites} the log is written out to the operating system once per turn of
 * the node's event loop, not once per write: a turn that stores twenty records makes one system
 * call, not twenty. With {@code syncWrites} the log is also fsync'd before a write is
 * acknowledged, which survives power loss: by group commit ({@link GroupCommit}), one fsync for
 * all the writes that arrived while the last one ran. The rare writes of cluster metadata
 * (members, repair history) and hints are written out (and with {@code syncWrites} synced) on
 * their own, before they return.
 *
 * <p>Either way a write is visible to reads on this node a moment before it is durable; it is
 * acknowledged only after.
 *
 * <p>Recently used rows and Paxos states are kept in memory beside RocksDB ({@link RecentlyUsed},
 * written through, bounded in bytes): a replica reads a key's row to merge every write into it and
 * its Paxos state at each of prepare, propose and commit, and a read from RocksDB's memtable costs
 * a skip-list search and a decoding each time.
 */
public final class RocksDbStorage implements Storage {
  static {
    RocksDB.loadLibrary();
  }

  private final DBOptions options;
  private final ColumnFamilyOptions familyOptions;
  private final WriteOptions writeOptions;
  private final boolean syncWrites;
  private final GroupCommit groupCommit;
  private final RocksDB db;
  private final List<ColumnFamilyHandle> handles = new ArrayList<>();
  private final ColumnFamilyHandle rows;
  private final ColumnFamilyHandle paxos;
  private final ColumnFamilyHandle hints;
  private final ColumnFamilyHandle meta;
  private final Path directory;
  private final RecentlyUsed recentRows;
  private final RecentlyUsed recentPaxos;
  // Without syncWrites: the log is written out by a task at the end of the loop's turn, which
  // completes this; null while nothing waits to be written out.
  private CompletableFuture<Void> logWrite;
  private boolean logBuffered;

  static final long MAX_LOG_BYTES = 128L << 20;
  private static final int RECYCLED_LOGS = 4;
  private static final long WRITE_BUFFER_BYTES = 16L << 20;

  /** Memory for recently used rows and Paxos states unless told otherwise. */
  public static final long DEFAULT_CACHE_BYTES = 64L << 20;

  private RocksDbStorage(Path directory, boolean syncWrites, long cacheBytes) throws RocksDBException {
    this.directory = directory;
    // The log stays in RocksDB's buffer until written out: once per loop turn, or under group
    // commit by the sync thread as it syncs (see the class comment). RocksDB writing it out itself
    // after every write costs a system call per record on the loop (with syncWrites, measured: 2.5
    // writes of the log per fsync before, one now).
    this.options = new DBOptions().setCreateIfMissing(true).setCreateMissingColumnFamilies(true)
        .setManualWalFlush(true);
    // A log file can go only once every column family has flushed what it holds, and the families
    // of metadata and hints are written rarely: left to RocksDB's default (four times all the write
    // buffers, 2 GB here) the logs pile up on disk. Past this size the families holding the oldest
    // log are flushed, and the freed files are written over again instead of new ones allocated.
    options.setMaxTotalWalSize(MAX_LOG_BYTES).setRecycleLogFileNum(RECYCLED_LOGS);
    // Smaller than RocksDB's 64 MB: a memtable insert searches a skip list, and a smaller one
    // stays in the processor's cache (measured: 10% less node CPU per QUORUM write).
    this.familyOptions = new ColumnFamilyOptions().setWriteBufferSize(WRITE_BUFFER_BYTES);
    this.writeOptions = new WriteOptions().setSync(false).setDisableWAL(false);
    this.syncWrites = syncWrites;
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
    this.groupCommit = syncWrites ? new GroupCommit("dialkv-wal-sync", () -> db.flushWal(true)) : null;
    this.recentRows = new RecentlyUsed(cacheBytes * 3 / 4);
    this.recentPaxos = new RecentlyUsed(cacheBytes / 4);
  }

  @Override
  public boolean syncsToDisk() {
    return groupCommit != null;
  }

  @Override
  public CompletableFuture<Void> synced(Executor loop) {
    if (groupCommit != null) {
      return groupCommit.request(loop);
    }
    if (!logBuffered) {
      return CompletableFuture.completedFuture(null);
    }
    if (logWrite == null) {
      CompletableFuture<Void> write = new CompletableFuture<>();
      logWrite = write;
      // Runs after the tasks already queued on the loop: everything they store goes out with it.
      loop.execute(() -> {
        logWrite = null;
        try {
          writeLogOut();
          write.complete(null);
        } catch (RuntimeException e) {
          write.completeExceptionally(e);
        }
      });
      return write; // the loop may have run it already
    }
    return logWrite;
  }

  /** Writes what the log holds in memory out to its file (to the OS; with syncWrites also synced). */
  private void writeLogOut() {
    if (!logBuffered) {
      return;
    }
    logBuffered = false;
    try {
      db.flushWal(syncWrites);
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of the log in " + directory + " failed: " + e.getMessage(), e);
    }
  }

  /** After a write with the default options: its log record is in memory until written out. */
  private void buffered() {
    logBuffered = true;
  }

  /** Opens (creating if needed) the database in the directory, with the default cache. */
  public static RocksDbStorage open(Path directory, boolean syncWrites) {
    return open(directory, syncWrites, DEFAULT_CACHE_BYTES);
  }

  /**
   * Opens (creating if needed) the database in the directory.
   *
   * @param cacheBytes memory for recently used rows and Paxos states; 0 for none
   */
  public static RocksDbStorage open(Path directory, boolean syncWrites, long cacheBytes) {
    try {
      Files.createDirectories(directory);
      return new RocksDbStorage(directory, syncWrites, cacheBytes);
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
      byte[] bytes = read(rows, recentRows, key);
      return bytes == null
          ? Optional.empty()
          : Optional.of(ProtoCodec.fromProto(io.dialkv.proto.v1.peer.Row.parseFrom(bytes)));
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB read of '" + key + "' failed: " + e.getMessage(), e);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("row '" + key + "' in " + directory + " is corrupt", e);
    }
  }

  @Override
  public void put(String key, Row row) {
    try {
      write(rows, recentRows, key, ProtoCodec.toProto(row).toByteArray());
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  @Override
  public void delete(String key) {
    try {
      write(rows, recentRows, key, null);
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
      db.put(meta, writeOptions, REPAIRED_RANGES, b.array());
      buffered();
      writeLogOut(); // durable when this returns, as promised
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
      db.put(meta, writeOptions, MEMBERS,
          MemberList.newBuilder().addAllMembers(ProtoCodec.toProto(members)).build().toByteArray());
      buffered();
      writeLogOut(); // durable when this returns, as promised
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of the membership failed: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<PaxosState> getPaxos(String key) {
    try {
      byte[] bytes = read(paxos, recentPaxos, key);
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
      write(paxos, recentPaxos, key, ProtoCodec.toProto(state).toByteArray());
    } catch (RocksDBException e) {
      throw new IllegalStateException("RocksDB write of Paxos state of '" + key + "' failed: " + e.getMessage(), e);
    }
  }

  /** What the family holds under the key, encoded, from memory if it is remembered there. */
  private byte[] read(ColumnFamilyHandle family, RecentlyUsed recent, String key) throws RocksDBException {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    Optional<byte[]> remembered = recent.get(k);
    if (remembered != null) {
      return remembered.orElse(null);
    }
    byte[] bytes = db.get(family, k);
    recent.put(k, bytes);
    return bytes;
  }

  /** Stores the encoding under the key in the family, or removes the key if it is null. */
  private void write(ColumnFamilyHandle family, RecentlyUsed recent, String key, byte[] bytes) throws RocksDBException {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    recent.forget(k); // first: after a failed write, memory must not claim what the disk may lack
    if (bytes == null) {
      db.delete(family, writeOptions, k);
    } else {
      db.put(family, writeOptions, k, bytes);
    }
    buffered();
    recent.put(k, bytes);
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
      buffered();
      writeLogOut(); // durable when this returns, as promised; hints are rare
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
      buffered();
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

  /** What RocksDB holds and has yet to do, for the metrics; on the event loop, like every call. */
  public record EngineStats(long sstBytes, long memtableBytes, long pendingCompactionBytes,
      long runningCompactions, long estimatedRows) {}

  public EngineStats engineStats() {
    return new EngineStats(
        aggregated("rocksdb.total-sst-files-size"),
        aggregated("rocksdb.cur-size-all-mem-tables"),
        aggregated("rocksdb.estimate-pending-compaction-bytes"),
        property("rocksdb.num-running-compactions"),
        approximateRowCount());
  }

  private long aggregated(String name) {
    try {
      return db.getAggregatedLongProperty(name);
    } catch (RocksDBException e) {
      return -1;
    }
  }

  private long property(String name) {
    try {
      return db.getLongProperty(name);
    } catch (RocksDBException e) {
      return -1;
    }
  }

  @Override
  public void close() {
    if (groupCommit != null) {
      groupCommit.close();
    }
    writeLogOut();
    handles.forEach(ColumnFamilyHandle::close);
    db.close();
    writeOptions.close();
    familyOptions.close();
    options.close();
  }
}
