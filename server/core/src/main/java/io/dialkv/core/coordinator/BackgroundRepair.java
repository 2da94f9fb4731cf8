package io.dialkv.core.coordinator;

import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Row;
import io.dialkv.core.stats.NodeCounters;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaWriteRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Asynchronous read repair, as Cassandra's {@code read_repair_chance}: after a read at ONE has been
 * answered, a chosen share of reads asks every live replica of the key and sends each what it lacks
 * of their merge. Nobody waits for it, so it costs the reader nothing; it brings replicas that
 * missed writes up to date on the keys people read.
 */
final class BackgroundRepair {
  private BackgroundRepair() {}

  /** @param answered the row the reader was given, to tell whether it was stale; null not to judge */
  static void run(Fanout fanout, String key, Fanout.Plan plan, Duration timeout, Row answered) {
    Map<Integer, Row> replies = new LinkedHashMap<>();
    int[] outstanding = {plan.alive().size()};
    for (int node : plan.alive()) {
      fanout
          .send(node, new ReplicaReadRequest(fanout.selfId, key), timeout)
          .whenComplete(
              (reply, failure) -> {
                if (failure == null) {
                  replies.put(node, reply.row());
                }
                if (--outstanding[0] == 0) {
                  repair(fanout, key, replies, timeout, answered);
                }
              });
    }
  }

  private static void repair(Fanout fanout, String key, Map<Integer, Row> replies, Duration timeout, Row answered) {
    if (replies.size() < 2) {
      return;
    }
    Row merged = Row.EMPTY;
    for (Row row : replies.values()) {
      merged = merged.merge(row);
    }
    int behind = 0;
    for (Map.Entry<Integer, Row> e : replies.entrySet()) {
      Row missing = merged.missingFrom(e.getValue());
      if (!missing.isEmpty()) {
        behind++;
        fanout.send(e.getKey(), new ReplicaWriteRequest(fanout.selfId, key, missing), timeout);
      }
    }
    if (behind > 0) {
      fanout.counters.readDisagreed(Consistency.ONE);
      fanout.counters.readRepaired(NodeCounters.ReadRepair.BACKGROUND, behind);
    }
    if (answered != null && !merged.missingFrom(answered).isEmpty()) {
      fanout.counters.staleReadAtOne();
    }
  }
}
