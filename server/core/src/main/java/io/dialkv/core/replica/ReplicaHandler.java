package io.dialkv.core.replica;

import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosAcceptor;
import io.dialkv.core.repair.MerkleLeaves;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.ring.TokenSpan;
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
import java.util.function.Supplier;

/**
 * A node in its role as a replica: merges the writes it is sent into its storage, answers reads
 * with what it holds, and acts as a Paxos acceptor for linearizable operations. Runs on the node's event loop, so read-merge-write needs no lock.
 */
public final class ReplicaHandler implements PeerHandler {
  private final int selfId;
  private final Storage storage;
  private final HybridClock hlc;
  // The ring changes as members join and leave; range numbers are always those of the current one.
  private final Supplier<TokenRing> ring;
  private final PaxosAcceptor acceptor;

  public ReplicaHandler(int selfId, Storage storage, HybridClock hlc, Supplier<TokenRing> ring) {
    this.selfId = selfId;
    this.storage = storage;
    this.hlc = hlc;
    this.ring = ring;
    this.acceptor = new PaxosAcceptor(selfId, storage, hlc, (key, proposal) -> apply(key, proposal.update()));
  }

  @Override
  @SuppressWarnings("unchecked") // each request type is answered by its own response type
  public <R extends PeerResponse> R handle(PeerRequest<R> request) {
    if (request instanceof ReplicaWriteRequest write) {
      apply(write.key(), write.mutation());
      return (R) new ReplicaWriteResponse(selfId);
    }
    if (request instanceof ReplicaReadRequest read) {
      return (R) new ReplicaReadResponse(selfId, read(read.key()));
    }
    if (request instanceof PrepareRequest prepare) {
      return (R) acceptor.prepare(prepare);
    }
    if (request instanceof ProposeRequest propose) {
      return (R) acceptor.propose(propose);
    }
    if (request instanceof CommitRequest commit) {
      return (R) acceptor.commit(commit);
    }
    if (request instanceof RangeDigestRequest digest) {
      return (R) digest(digest.ranges());
    }
    if (request instanceof RangeRowsRequest rows) {
      return (R) rows(rows.leaves());
    }
    if (request instanceof FetchRowsRequest fetch) {
      return (R) rowsIn(fetch.spans(), fetch.afterKey(), fetch.maxBytes());
    }
    if (request instanceof ApplyRowsRequest rows) {
      rows.rows().forEach(this::apply);
      return (R) new ReplicaWriteResponse(selfId);
    }
    throw new IllegalArgumentException("unknown request " + request);
  }

  /**
   * One page of the stored rows whose tokens lie in the spans, in the storage's key order after
   * {@code afterKey} and up to about {@code maxBytes}: what a node taking over ranges streams. The
   * scan stops at the page's end, so streaming a node's rows costs one pass over them in all.
   */
  public FetchRowsResponse rowsIn(List<TokenSpan> spans, String afterKey, int maxBytes) {
    Map<String, Row> page = new TreeMap<>();
    long[] bytes = {0};
    boolean[] more = {false};
    String[] last = {afterKey};
    storage.scanAfter(afterKey, (key, row) -> {
      long token = TokenRing.tokenOf(key);
      if (spans.stream().noneMatch(s -> s.contains(token))) {
        return true;
      }
      if (bytes[0] >= maxBytes) {
        more[0] = true;
        return false;
      }
      page.put(key, row);
      last[0] = key;
      bytes[0] += row.approximateBytes(key);
      return true;
    });
    return new FetchRowsResponse(selfId, page, more[0], last[0]);
  }

  /** One pass over the stored rows: the Merkle leaves of each requested range. */
  private RangeDigestResponse digest(List<Integer> ranges) {
    TokenRing ring = this.ring.get();
    Map<Integer, long[]> leaves = new HashMap<>();
    for (int range : ranges) {
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

  /** One pass over the stored rows: those in the requested leaves. */
  private RangeRowsResponse rows(List<Long> wanted) {
    TokenRing ring = this.ring.get();
    Set<Long> leaves = new HashSet<>(wanted);
    Map<String, Row> rows = new TreeMap<>();
    storage.scan((key, row) -> {
      if (leaves.contains((long) ring.rangeOf(key) * MerkleLeaves.LEAVES + MerkleLeaves.leafOf(key))) {
        rows.put(key, row);
      }
    });
    return new RangeRowsResponse(selfId, rows);
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

  /** Merges the mutation into the stored row; durable when this returns. Idempotent. */
  public void apply(String key, Row mutation) {
    hlc.observe(mutation.newestTimestamp());
    Row current = storage.get(key).orElse(Row.EMPTY);
    Row merged = current.merge(mutation);
    if (!merged.equals(current)) {
      storage.put(key, merged);
    }
  }

  public Row read(String key) {
    return storage.get(key).orElse(Row.EMPTY);
  }
}
