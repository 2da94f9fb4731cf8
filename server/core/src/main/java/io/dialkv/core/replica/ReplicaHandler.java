package io.dialkv.core.replica;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosAcceptor;
import io.dialkv.core.repair.MerkleLeaves;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.ring.TokenSpan;
import io.dialkv.core.ring.TokenSpanSet;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.ApplyRowsRequest;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.FetchRowsResponse;
import io.dialkv.core.transport.PeerHandler;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.RangeDigestRequest;
import io.dialkv.core.transport.RangeDigestResponse;
import io.dialkv.core.transport.RangeRowsRequest;
import io.dialkv.core.transport.RangeRowsResponse;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaReadResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.ReplicaWriteResponse;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * A node in its role as a replica: merges the writes it is sent into its storage, answers reads
 * with what it holds, and acts as a Paxos acceptor for linearizable operations. Runs on the node's
 * event loop, so read-merge-write needs no lock.
 *
 * <p>Peers are checked as strictly as clients: every key, row, count and page size a request
 * carries is within the node's limits, and every timestamp within the clock bound, or the request
 * is refused ({@link InvalidRequestException}, {@link io.dialkv.core.time.ClockOffsetException})
 * before it does anything. One malformed or hostile message can neither store a row no message can
 * carry, nor make a node scan or allocate without bound.
 */
public final class ReplicaHandler implements PeerHandler {
  /** The most leaves one repair request may name. */
  public static final int MAX_LEAVES_PER_REQUEST = 256;
  /** The most rows one streamed page may carry. */
  public static final int MAX_ROWS_PER_PAGE = 100_000;

  private final int selfId;
  private final Storage storage;
  private final HybridClock hlc;
  // The ring changes as members join and leave; range numbers are always those of the current one.
  private final Supplier<TokenRing> ring;
  private final RequestLimits limits;
  private final PaxosAcceptor acceptor;

  public ReplicaHandler(
      int selfId, Storage storage, HybridClock hlc, Supplier<TokenRing> ring, RequestLimits limits) {
    this.selfId = selfId;
    this.storage = storage;
    this.hlc = hlc;
    this.ring = ring;
    this.limits = limits;
    this.acceptor = new PaxosAcceptor(selfId, storage, hlc,
        (from, key, proposal) -> apply(from, key, proposal.update()));
  }

  @Override
  @SuppressWarnings("unchecked") // each request type is answered by its own response type
  public <R extends PeerResponse> R handle(PeerRequest<R> request) {
    if (request instanceof ReplicaWriteRequest write) {
      checkRow(write.key(), write.mutation());
      return (R) new ReplicaWriteResponse(selfId, apply(write.from(), write.key(), write.mutation()));
    }
    if (request instanceof ReplicaReadRequest read) {
      limits.checkRowKey(read.key());
      return (R) new ReplicaReadResponse(selfId, read(read.key()));
    }
    if (request instanceof PrepareRequest prepare) {
      limits.checkRowKey(prepare.key());
      return (R) acceptor.prepare(prepare);
    }
    if (request instanceof ProposeRequest propose) {
      checkRow(propose.key(), propose.proposal().update());
      return (R) acceptor.propose(propose);
    }
    if (request instanceof CommitRequest commit) {
      checkRow(commit.key(), commit.proposal().update());
      return (R) acceptor.commit(commit);
    }
    if (request instanceof RangeDigestRequest digest) {
      return (R) digest(digest.ranges());
    }
    if (request instanceof RangeRowsRequest rows) {
      return (R) rows(rows);
    }
    if (request instanceof FetchRowsRequest fetch) {
      return (R) rowsIn(fetch.spans(), fetch.afterKey(), fetch.maxBytes());
    }
    if (request instanceof ApplyRowsRequest rows) {
      if (rows.rows().size() > MAX_ROWS_PER_PAGE) {
        throw new InvalidRequestException("a page of " + rows.rows().size() + " rows; at most " + MAX_ROWS_PER_PAGE);
      }
      rows.rows().forEach(this::checkRow); // all of them before any is applied
      rows.rows().forEach((key, row) -> apply(rows.from(), key, row));
      return (R) new ReplicaWriteResponse(selfId);
    }
    throw new InvalidRequestException("a replica does not serve " + request.getClass().getSimpleName());
  }

  /**
   * Handles a request as {@link #handle} does, and answers only once what it stored is as durable
   * as this node's storage makes it ({@link Storage#synced}): with {@code --sync-writes}, on disk.
   * A replica acknowledges a write, and an acceptor a promise or an acceptance, only then.
   *
   * @param loop the node's event loop, where the answer completes
   */
  public <R extends PeerResponse> CompletableFuture<R> handleDurably(PeerRequest<R> request, Executor loop) {
    R response = handle(request);
    if (!stores(request)) {
      return CompletableFuture.completedFuture(response);
    }
    return storage.synced(loop).thenApply(synced -> response);
  }

  /** Whether an acknowledgement of this replica waits for the disk ({@link Storage#syncsToDisk}). */
  public boolean syncsToDisk() {
    return storage.syncsToDisk();
  }

  private static boolean stores(PeerRequest<?> request) {
    return request instanceof ReplicaWriteRequest
        || request instanceof ApplyRowsRequest
        || request instanceof PrepareRequest prepare && !prepare.readOnly()
        || request instanceof ProposeRequest
        || request instanceof CommitRequest;
  }

  private void checkRow(String key, Row row) {
    limits.checkRowKey(key);
    limits.checkRow(key, row);
  }

  /**
   * One page of the stored rows whose tokens lie in the spans, in the storage's key order after
   * {@code afterKey} and up to about {@code maxBytes}: what a node taking over ranges streams. The
   * scan stops at the page's end, so streaming a node's rows costs one pass over them in all.
   */
  public FetchRowsResponse rowsIn(List<TokenSpan> spans, String afterKey, int maxBytes) {
    if (spans.isEmpty() || spans.size() > 2 * ring.get().rangeCount() + 2) {
      throw new InvalidRequestException(
          spans.size() + " token spans; a stream asks for 1 to " + (2 * ring.get().rangeCount() + 2));
    }
    TokenSpanSet set = new TokenSpanSet(spans);
    Page page = page(afterKey, maxBytes, set::containsKey);
    return new FetchRowsResponse(selfId, page.rows, page.more, page.last);
  }

  /** The rows of the requested Merkle leaves, one page at a time. */
  private RangeRowsResponse rows(RangeRowsRequest request) {
    TokenRing ring = this.ring.get();
    List<Long> wanted = request.leaves();
    if (wanted.isEmpty() || wanted.size() > MAX_LEAVES_PER_REQUEST) {
      throw new InvalidRequestException(wanted.size() + " leaves; a request names 1 to " + MAX_LEAVES_PER_REQUEST);
    }
    long leafCount = (long) ring.rangeCount() * MerkleLeaves.LEAVES;
    for (long leaf : wanted) {
      if (leaf < 0 || leaf >= leafCount) {
        throw new InvalidRequestException("leaf " + leaf + " does not exist; leaves are 0 to " + (leafCount - 1));
      }
    }
    Set<Long> leaves = new HashSet<>(wanted);
    Page page = page(request.afterKey(), request.maxBytes(),
        key -> leaves.contains((long) ring.rangeOf(key) * MerkleLeaves.LEAVES + MerkleLeaves.leafOf(key)));
    return new RangeRowsResponse(selfId, page.rows, page.more, page.last);
  }

  private record Page(Map<String, Row> rows, boolean more, String last) {}

  /** The wanted rows after {@code afterKey}, up to about {@code maxBytes} (one row more at most). */
  private Page page(String afterKey, int maxBytes, Predicate<String> wanted) {
    if (maxBytes < 1 || maxBytes > RequestLimits.PAGE_BYTES) {
      throw new InvalidRequestException("max_bytes is " + maxBytes + "; pages are 1 to " + RequestLimits.PAGE_BYTES);
    }
    if (!afterKey.isEmpty()) {
      limits.checkRowKey(afterKey);
    }
    Map<String, Row> page = new TreeMap<>();
    long[] bytes = {0};
    boolean[] more = {false};
    String[] last = {afterKey};
    storage.scanAfter(afterKey, (key, row) -> {
      if (!wanted.test(key)) {
        return true;
      }
      if (bytes[0] >= maxBytes || page.size() >= MAX_ROWS_PER_PAGE) {
        more[0] = true;
        return false;
      }
      page.put(key, row);
      last[0] = key;
      bytes[0] += row.approximateBytes(key);
      return true;
    });
    return new Page(page, more[0], last[0]);
  }

  /** One pass over the stored rows: the Merkle leaves of each requested range. */
  private RangeDigestResponse digest(List<Integer> ranges) {
    TokenRing ring = this.ring.get();
    if (ranges.isEmpty() || ranges.size() > ring.rangeCount()) {
      throw new InvalidRequestException(ranges.size() + " ranges; the ring has " + ring.rangeCount());
    }
    Map<Integer, long[]> leaves = new HashMap<>();
    for (int range : ranges) {
      if (range < 0 || range >= ring.rangeCount()) {
        throw new InvalidRequestException("range " + range + " does not exist; ranges are 0 to "
            + (ring.rangeCount() - 1));
      }
      leaves.put(range, new long[MerkleLeaves.LEAVES]);
    }
    storage.scan((key, row) -> {
      long[] forRange = leaves.get(ring.rangeOf(key));
      if (forRange != null) {
        forRange[MerkleLeaves.leafOf(key)] += MerkleLeaves.digest(key, row);
      }
    });
    return new RangeDigestResponse(selfId, leaves);
  }

  /**
   * Records that these ranges were repaired with every replica taking part in a repair that
   * started at {@code repairStartMillis}, then purges deletion markers older than both that and
   * {@code graceCutoffMillis} from every range with such a record: every replica had them when the
   * repair ran, so no replica can bring the deleted values back. Returns how many rows changed.
   */
  public long recordRepairAndPurge(List<Integer> repaired, long repairStartMillis, long graceCutoffMillis) {
    TokenRing ring = this.ring.get();
    Map<Integer, Long> repairedAt = new TreeMap<>(storage.repairedRanges());
    for (int range : repaired) {
      repairedAt.put(range, repairStartMillis);
    }
    storage.putRepairedRanges(repairedAt);
    Map<String, Row> changed = new TreeMap<>();
    storage.scan((key, row) -> {
      Long at = repairedAt.get(ring.rangeOf(key));
      if (at != null) {
        Row purged = row.purgeTombstonesBefore(new Timestamp(Math.min(at, graceCutoffMillis), 0, 0));
        if (!purged.equals(row)) {
          changed.put(key, purged);
        }
      }
    });
    changed.forEach((key, row) -> {
      if (row.isEmpty()) {
        storage.delete(key);
      } else {
        storage.put(key, row);
      }
    });
    return changed.size();
  }

  /**
   * Merges the mutation from node {@code from} into the stored row; durable when this returns.
   * Idempotent. Refused, with nothing changed, if a timestamp in it is beyond the clock bound or the
   * row would outgrow its limits.
   *
   * @return when the row already held newer data for some of the mutation's cells (they lost
   *     last-write-wins here), the newest timestamp that beat them; else null
   */
  public Timestamp apply(int from, String key, Row mutation) {
    hlc.observe(mutation.newestTimestamp(), from);
    Row current = storage.get(key).orElse(Row.EMPTY);
    Row merged = current.merge(mutation);
    if (!merged.equals(current)) {
      limits.checkMerged(key, current, merged);
      storage.put(key, merged);
    }
    return supersededBy(current, mutation);
  }

  /** The newest part of {@code current} that beat a cell of {@code mutation}, or null. */
  private static Timestamp supersededBy(Row current, Row mutation) {
    Timestamp beaten = null;
    for (Map.Entry<String, Cell> e : mutation.cells().entrySet()) {
      Cell ours = current.cells().get(e.getKey());
      Cell theirs = e.getValue();
      if (ours != null && !ours.equals(theirs) && Cell.newer(ours, theirs) == ours) {
        beaten = Timestamp.max(beaten, ours.timestamp());
      } else if (current.deletedAt() != null && theirs.timestamp().isBefore(current.deletedAt())) {
        beaten = Timestamp.max(beaten, current.deletedAt());
      }
    }
    return beaten;
  }

  public Row read(String key) {
    return storage.get(key).orElse(Row.EMPTY);
  }
}
