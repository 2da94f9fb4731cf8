package io.dialkv.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import io.dialkv.proto.v1.Provenance;
import io.dialkv.proto.v1.ReplicaReply;
import io.dialkv.proto.v1.Timestamp;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.List;
import java.util.stream.Collectors;

/** Renders responses for people (tables) and programs (JSON). */
final class Printer {
  private static final JsonFormat.Printer JSON =
      JsonFormat.printer().includingDefaultValueFields().preservingProtoFieldNames();

  static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeNulls().create();

  private Printer() {}

  static String json(MessageOrBuilder message) {
    try {
      return JSON.print(message);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }

  /** "2026-11-28T08:31:02.123Z+0@n1": wall time, logical counter, issuing node. */
  static String timestamp(Timestamp t) {
    if (t.getPhysicalMillis() == 0 && t.getNodeId() == 0) {
      return "-";
    }
    return Instant.ofEpochMilli(t.getPhysicalMillis()) + "+" + t.getLogical() + "@n" + t.getNodeId();
  }

  static String nodes(List<Integer> ids) {
    return ids.isEmpty() ? "none" : ids.stream().map(n -> "n" + n).collect(Collectors.joining(", "));
  }

  /** The provenance block --trace prints. */
  static void provenance(PrintWriter out, Provenance p, boolean read) {
    out.printf(
        "coordinator n%d, %s: needed %d of %d replicas (%s); alive: %s%n",
        p.getCoordinatorNodeId(),
        p.getConsistency(),
        p.getRequired(),
        p.getReplicasCount(),
        nodes(p.getReplicasList()),
        nodes(p.getAliveReplicasList()));
    if (p.hasPaxos()) {
      out.printf(
          "paxos: ballot %s, %d round%s; promised by %s; accepted by %s%n",
          timestamp(p.getPaxos().getBallot()),
          p.getPaxos().getRounds(),
          p.getPaxos().getRounds() == 1 ? "" : "s",
          nodes(p.getPaxos().getPromisedList()),
          nodes(p.getPaxos().getAcceptedList()));
      return;
    }
    if (!read) {
      out.printf(
          "write timestamp %s; acknowledged by %s%n",
          timestamp(p.getWriteTimestamp()),
          nodes(p.getRepliesList().stream().map(ReplicaReply::getNodeId).toList()));
      if (p.getSuperseded()) {
        for (ReplicaReply r : p.getRepliesList()) {
          if (r.getAheadOfResult()) {
            out.printf("SUPERSEDED on n%d: it already held newer data (%s), so there this write changed nothing"
                + " (last-write-wins)%n", r.getNodeId(), timestamp(r.getTimestamp()));
          }
        }
      }
      return;
    }
    out.printf("%-8s %-8s %-32s %-22s %s%n", "replica", "counted", "newest timestamp", "compared to answer", "latency");
    for (ReplicaReply r : p.getRepliesList()) {
      String state =
          r.getAheadOfResult() && r.getBehindResult()
              ? "diverged"
              : r.getAheadOfResult() ? "NEWER (answer stale)" : r.getBehindResult() ? "older (stale replica)" : "same";
      out.printf(
          "%-8s %-8s %-32s %-22s %.1f ms%n",
          "n" + r.getNodeId(),
          r.getCounted() ? "yes" : "no",
          r.hasTimestamp() ? timestamp(r.getTimestamp()) : "(nothing)",
          state,
          r.getLatencyMillis());
    }
    if (p.getReadRepairedCount() > 0) {
      out.printf("read repair: brought %s up to date before answering%n", nodes(p.getReadRepairedList()));
    }
    if (p.getPossiblyStale()) {
      out.println("POSSIBLY STALE: a replica that did not count holds newer data than this answer");
    } else if (p.getDisagreed()) {
      out.println("replicas disagreed; the answer is the newest of the counted replicas");
    } else {
      out.println("all replicas that answered agree");
    }
  }
}
