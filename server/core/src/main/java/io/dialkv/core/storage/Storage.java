package io.dialkv.core.storage;

import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.Hint;
import io.dialkv.core.membership.Member;
import io.dialkv.core.paxos.PaxosState;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import java.util.function.BiPredicate;

/**
 * A node's durable rows. The core merges; storage only keeps what it is given.
 *
 * <p>Called only from the owning node's event loop, so implementations need not be thread-safe
 * against themselves. Calls block for local I/O only (no network).
 */
public interface Storage extends AutoCloseable {

  /** The stored row, or empty if the key was never written (or was purged). */
  Optional<Row> get(String key);

  /**
   * Stores the row under the key, replacing what was there. Reads see it at once; it survives a
   * crash of the process once {@link #synced} completes (whether also a power loss depends on the
   * implementation's sync setting).
   */
  void put(String key, Row row);

  /**
   * Completes, on {@code loop}, once everything stored before this call survives a crash of the
   * process, and a power loss if this storage is asked to sync. Storage that keeps nothing on disk
   * completes at once; one that batches lets a single write-out or sync serve every write that
   * waited for it. Anything that acknowledges a write waits for this first.
   */
  default CompletableFuture<Void> synced(Executor loop) {
    return CompletableFuture.completedFuture(null);
  }

  /**
   * Whether {@link #synced} waits for the disk (an fsync, as with {@code --sync-writes}) rather
   * than a write-out to the operating system: then each acknowledgement a writer waits for in turn
   * costs a disk's latency, and a protocol does better waiting for two in parallel than in a row.
   */
  default boolean syncsToDisk() {
    return false;
  }

  /** Removes the row (its deletion markers were purged and nothing is left). */
  void delete(String key);

  /** The key's Paxos state, or empty if no Paxos round ever touched it. */
  Optional<PaxosState> getPaxos(String key);

  /**
   * Stores the key's Paxos state, kept apart from the rows. Durable as {@link #put} is: an acceptor
   * answers a prepare or propose only once {@link #synced} completes after storing it.
   */
  void putPaxos(String key, PaxosState state);

  /**
   * Stores a hint, kept apart from the rows. Durable (in the write-ahead log) when this returns.
   */
  void putHint(Hint hint);

  /** Up to {@code limit} of the hints for the target node, oldest first. */
  List<Hint> hints(int target, int limit);

  /** Removes a hint (one replayed, or too old to replay). */
  void deleteHint(Hint hint);

  /** Pending hints per target node: a full scan, for start-up. */
  Map<Integer, Long> countHints();

  /**
   * When each token range was last repaired with every replica taking part (wall-clock millis at
   * the repair's start), by range number; empty if never.
   */
  Map<Integer, Long> repairedRanges();

  /** Replaces what {@link #repairedRanges()} returns. Durable when this returns. */
  void putRepairedRanges(Map<Integer, Long> repairedAt);

  /** The cluster's members as this node last saved them; empty if it never did. */
  List<Member> savedMembers();

  /** Replaces what {@link #savedMembers()} returns. Durable when this returns. */
  void saveMembers(List<Member> members);

  /** Calls the visitor with every stored row, in key order (for anti-entropy repair). */
  void scan(BiConsumer<String, Row> visitor);

  /**
   * Calls the visitor with the stored rows whose keys come after {@code afterKey} ("" for all), in
   * this storage's own key order, until it returns false. A scan resumed after the last key it saw
   * continues exactly where it stopped: how ranges are streamed page by page.
   */
  void scanAfter(String afterKey, BiPredicate<String, Row> visitor);

  /** Number of stored rows, possibly estimated. */
  long approximateRowCount();

  @Override
  void close();
}
