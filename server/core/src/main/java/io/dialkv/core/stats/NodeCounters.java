package io.dialkv.core.stats;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.repair.RepairReport;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The consistency story of one node as numbers, counted since it started: reads whose replicas
 * disagreed, read repairs, stale answers found at ONE, hints stored, replayed and dropped per
 * target, anti-entropy repair, Paxos rounds and contention retries, and rows moved by range
 * streams.
 *
 * <p>Owned by the node's event loop like the rest of the core, so counting is a field increment
 * with no synchronisation on the hot path, and a simulation counts exactly as a real node does. A
 * reader on another thread asks the loop for a {@link #snapshot()}.
 *
 * <p>Every label is from a fixed set (enums, or node ids of the cluster's members), never from a
 * key or a caller, so the number of series stays bounded.
 */
public final class NodeCounters {
  /** Whether the reader waited for a read repair or the node sent it after answering. */
  public enum ReadRepair {
    BLOCKING,
    BACKGROUND
  }

  /** Why a hint was dropped rather than replayed. */
  public enum HintDrop {
    /** Not stored: the target already had the most hints a node keeps for one replica. */
    LIMIT,
    /** Not stored: the target had been missing writes for longer than the hint window. */
    WINDOW,
    /** Stored, but older than the hint window by the time the target came back. */
    EXPIRED,
    /** Replayed, and refused by the target (beyond its clock bound, over its limits). */
    REFUSED,
    /** Discarded because the target left the cluster. */
    TARGET_LEFT
  }

  /** The kinds of linearizable operation, as a client asked for them. */
  public enum PaxosKind {
    READ,
    WRITE,
    CAS;

    public static PaxosKind of(LinearizableAction action) {
      if (action instanceof LinearizableAction.CompareAndSet) {
        return CAS;
      }
      return action.readsOnly() ? READ : WRITE;
    }
  }

  /** Hints for one target. */
  public record Hints(long stored, long replayed, Map<HintDrop, Long> dropped) {}

  /** Linearizable operations of one kind: how many ended, the rounds they took, the retries. */
  public record Paxos(long operations, long rounds, long contentionRetries) {}

  /** Anti-entropy repair sessions this node ran, summed. */
  public record Repair(long sessions, long rangesCompared, long rangesDiffering, long rowsStreamed,
      long bytesStreamed) {}

  /** Everything, at one moment. Maps hold every enum constant, so a series exists from the start. */
  public record Snapshot(
      Map<Consistency, Long> readsDisagreed,
      Map<ReadRepair, Long> readRepairs,
      long staleReadsAtOne,
      Map<Integer, Hints> hintsByTarget,
      Repair repair,
      Map<PaxosKind, Paxos> paxos,
      long streamedRows,
      long streamedBytes) {}

  private final long[] readsDisagreed = new long[Consistency.values().length];
  private final long[] readRepairs = new long[ReadRepair.values().length];
  private long staleReadsAtOne;
  private final Map<Integer, long[]> hints = new TreeMap<>(); // stored, replayed, then one per HintDrop
  private final long[] repair = new long[5];
  private final long[][] paxos = new long[PaxosKind.values().length][3];
  private long streamedRows;
  private long streamedBytes;

  /** The replicas a read counted (or, at ONE, the replicas a later check asked) disagreed. */
  public void readDisagreed(Consistency level) {
    readsDisagreed[level.ordinal()]++;
  }

  /** {@code replicas} replicas were sent what they lacked of a row a read found. */
  public void readRepaired(ReadRepair mode, int replicas) {
    readRepairs[mode.ordinal()] += replicas;
  }

  /** An answer given at ONE turned out to lack a write that another replica had. */
  public void staleReadAtOne() {
    staleReadsAtOne++;
  }

  public void hintStored(int target) {
    hintsOf(target)[0]++;
  }

  public void hintsReplayed(int target, long count) {
    hintsOf(target)[1] += count;
  }

  public void hintsDropped(int target, HintDrop why, long count) {
    hintsOf(target)[2 + why.ordinal()] += count;
  }

  public void repaired(RepairReport report) {
    repair[0]++;
    repair[1] += report.ranges();
    repair[2] += report.rangesDiffering();
    repair[3] += report.rowsStreamed();
    repair[4] += report.bytesStreamed();
  }

  /**
   * A linearizable operation ended (either way) after {@code rounds} prepare rounds, {@code
   * contentionRetries} of which followed a competing proposer's ballot.
   */
  public void paxosEnded(PaxosKind kind, int rounds, int contentionRetries) {
    long[] p = paxos[kind.ordinal()];
    p[0]++;
    p[1] += rounds;
    p[2] += contentionRetries;
  }

  /** A range stream (a join, a departure, a rebalance) moved a page of rows. */
  public void streamed(long rows, long bytes) {
    streamedRows += rows;
    streamedBytes += bytes;
  }

  public Snapshot snapshot() {
    Map<Consistency, Long> disagreed = new EnumMap<>(Consistency.class);
    for (Consistency c : Consistency.values()) {
      disagreed.put(c, readsDisagreed[c.ordinal()]);
    }
    Map<ReadRepair, Long> repairs = new EnumMap<>(ReadRepair.class);
    for (ReadRepair r : ReadRepair.values()) {
      repairs.put(r, readRepairs[r.ordinal()]);
    }
    Map<Integer, Hints> byTarget = new TreeMap<>();
    hints.forEach((target, h) -> {
      Map<HintDrop, Long> dropped = new EnumMap<>(HintDrop.class);
      for (HintDrop d : HintDrop.values()) {
        dropped.put(d, h[2 + d.ordinal()]);
      }
      byTarget.put(target, new Hints(h[0], h[1], Collections.unmodifiableMap(dropped)));
    });
    Map<PaxosKind, Paxos> rounds = new EnumMap<>(PaxosKind.class);
    for (PaxosKind k : PaxosKind.values()) {
      long[] p = paxos[k.ordinal()];
      rounds.put(k, new Paxos(p[0], p[1], p[2]));
    }
    return new Snapshot(
        Collections.unmodifiableMap(disagreed),
        Collections.unmodifiableMap(repairs),
        staleReadsAtOne,
        Collections.unmodifiableMap(byTarget),
        new Repair(repair[0], repair[1], repair[2], repair[3], repair[4]),
        Collections.unmodifiableMap(rounds),
        streamedRows,
        streamedBytes);
  }

  private long[] hintsOf(int target) {
    return hints.computeIfAbsent(target, t -> new long[2 + HintDrop.values().length]);
  }
}
