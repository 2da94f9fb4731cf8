package io.dialkv.wire;

import com.google.protobuf.ByteString;
import io.dialkv.core.coordinator.Provenance;
import io.dialkv.core.coordinator.ReplicaReply;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.data.Row;
import io.dialkv.core.membership.Member;
import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.paxos.PaxosState;
import io.dialkv.core.paxos.PaxosTrace;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Timestamp;
import io.dialkv.proto.v1.peer.KeyedRow;
import io.dialkv.proto.v1.peer.MemberRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Translates between core values and their protobuf form, on the wire and on disk. The one place
 * that knows both.
 */
public final class ProtoCodec {
  private ProtoCodec() {}

  public static io.dialkv.proto.v1.Timestamp toProto(Timestamp t) {
    return io.dialkv.proto.v1.Timestamp.newBuilder()
        .setPhysicalMillis(t.physicalMillis())
        .setLogical(t.logical())
        .setNodeId(t.nodeId())
        .build();
  }

  /** A timestamp from a message or the disk; negative parts are refused (no clock issues them). */
  public static Timestamp fromProto(io.dialkv.proto.v1.Timestamp t) {
    if (t.getPhysicalMillis() < 0 || t.getLogical() < 0 || t.getNodeId() < 0) {
      throw new InvalidRequestException("timestamp " + t.getPhysicalMillis() + "." + t.getLogical() + "@n"
          + t.getNodeId() + " has a negative part");
    }
    return new Timestamp(t.getPhysicalMillis(), t.getLogical(), t.getNodeId());
  }

  public static io.dialkv.proto.v1.peer.Row toProto(Row row) {
    io.dialkv.proto.v1.peer.Row.Builder b = io.dialkv.proto.v1.peer.Row.newBuilder();
    if (row.deletedAt() != null) {
      b.setDeletedAt(toProto(row.deletedAt()));
    }
    row.cells()
        .forEach(
            (name, cell) ->
                b.addCells(
                    io.dialkv.proto.v1.peer.Cell.newBuilder()
                        .setName(name)
                        .setValue(ByteString.copyFrom(cell.valueUnsafe()))
                        .setTimestamp(toProto(cell.timestamp()))
                        .setDeleted(cell.isTombstone())));
    return b.build();
  }

  public static Row fromProto(io.dialkv.proto.v1.peer.Row row) {
    Map<String, Cell> cells = new LinkedHashMap<>();
    for (io.dialkv.proto.v1.peer.Cell c : row.getCellsList()) {
      Timestamp ts = fromProto(c.getTimestamp());
      cells.put(
          c.getName(), c.getDeleted() ? Cell.tombstone(ts) : Cell.live(c.getValue().toByteArray(), ts));
    }
    return Row.of(cells, row.hasDeletedAt() ? fromProto(row.getDeletedAt()) : null);
  }

  public static io.dialkv.proto.v1.peer.Proposal toProto(Proposal p) {
    return io.dialkv.proto.v1.peer.Proposal.newBuilder()
        .setBallot(toProto(p.ballot()))
        .setUpdate(toProto(p.update()))
        .build();
  }

  /** The proposal, or null for an absent (default) message. */
  public static Proposal fromProto(io.dialkv.proto.v1.peer.Proposal p, boolean present) {
    return present ? new Proposal(fromProto(p.getBallot()), fromProto(p.getUpdate())) : null;
  }

  public static io.dialkv.proto.v1.peer.PaxosState toProto(PaxosState s) {
    io.dialkv.proto.v1.peer.PaxosState.Builder b = io.dialkv.proto.v1.peer.PaxosState.newBuilder();
    if (s.promised() != null) {
      b.setPromised(toProto(s.promised()));
    }
    if (acceptedIsCommitted(s.accepted(), s.committed())) {
      b.setAcceptedIsCommitted(true);
    } else if (s.accepted() != null) {
      b.setAccepted(toProto(s.accepted()));
    }
    if (s.committed() != null) {
      b.setCommitted(toProto(s.committed()));
    }
    return b.build();
  }

  public static PaxosState fromProto(io.dialkv.proto.v1.peer.PaxosState s) {
    Proposal committed = fromProto(s.getCommitted(), s.hasCommitted());
    return new PaxosState(
        s.hasPromised() ? fromProto(s.getPromised()) : null,
        accepted(s.getAcceptedIsCommitted(), committed, s.getAccepted(), s.hasAccepted()),
        committed);
  }

  /**
   * Whether an acceptor's accepted proposal is its most recent commit, as it is after every round
   * that finished: then the state and a promise carry the proposal once, not twice (its update is
   * the whole value written).
   */
  public static boolean acceptedIsCommitted(Proposal accepted, Proposal committed) {
    return accepted != null && accepted.equals(committed);
  }

  /** The accepted proposal as a state or promise carries it: the commit itself if so flagged. */
  public static Proposal accepted(boolean acceptedIsCommitted, Proposal committed,
      io.dialkv.proto.v1.peer.Proposal accepted, boolean present) {
    return acceptedIsCommitted ? committed : fromProto(accepted, present);
  }

  /** The most member records one message may carry: far more than any cluster has. */
  public static final int MAX_MEMBERS = 1024;

  public static List<MemberRecord> toProto(List<Member> members) {
    List<MemberRecord> records = new ArrayList<>(members.size());
    for (Member m : members) {
      records.add(MemberRecord.newBuilder()
          .setNodeId(m.id())
          .setAddress(m.address())
          .setClientAddress(m.clientAddress())
          .setStatus(MemberRecord.Status.forNumber(m.status().ordinal()))
          .setVersion(m.version())
          .build());
    }
    return records;
  }

  /** Member records from gossip or the disk; a malformed one is refused, naming what is wrong. */
  public static List<Member> fromProto(List<MemberRecord> records) {
    if (records.size() > MAX_MEMBERS) {
      throw new InvalidRequestException(records.size() + " member records; at most " + MAX_MEMBERS);
    }
    List<Member> members = new ArrayList<>(records.size());
    for (MemberRecord r : records) {
      int status = r.getStatusValue();
      if (status < 0 || status >= MemberStatus.values().length) {
        throw new InvalidRequestException("member n" + r.getNodeId() + " has unknown status " + status);
      }
      try {
        members.add(new Member(r.getNodeId(), r.getAddress(), r.getClientAddress(), MemberStatus.values()[status],
            r.getVersion()));
      } catch (IllegalArgumentException e) {
        throw new InvalidRequestException("malformed member record: " + e.getMessage());
      }
    }
    return members;
  }

  /** Rows keyed, as streamed between nodes. */
  public static List<KeyedRow> toProto(Map<String, Row> rows) {
    List<KeyedRow> keyed = new ArrayList<>(rows.size());
    rows.forEach((key, row) -> keyed.add(KeyedRow.newBuilder().setKey(key).setRow(toProto(row)).build()));
    return keyed;
  }

  public static Map<String, Row> rowsFromProto(List<KeyedRow> keyed) {
    Map<String, Row> rows = new TreeMap<>();
    for (KeyedRow kr : keyed) {
      rows.put(kr.getKey(), fromProto(kr.getRow()));
    }
    return rows;
  }

  /**
   * The level a request asked for: the server's default (QUORUM) when it named none, and a clear
   * error for a number this server does not know (a newer client, or a hand-made request).
   */
  public static Consistency consistency(io.dialkv.proto.v1.Consistency level, int number) {
    return switch (level) {
      case ONE -> Consistency.ONE;
      case QUORUM, CONSISTENCY_UNSPECIFIED -> Consistency.QUORUM;
      case ALL -> Consistency.ALL;
      case LINEARIZABLE -> Consistency.LINEARIZABLE;
      case UNRECOGNIZED -> throw new InvalidRequestException(
          "unknown consistency level " + number + "; use ONE (1), QUORUM (2), ALL (3) or LINEARIZABLE (4)");
    };
  }

  public static io.dialkv.proto.v1.Consistency toProto(Consistency level) {
    return switch (level) {
      case ONE -> io.dialkv.proto.v1.Consistency.ONE;
      case QUORUM -> io.dialkv.proto.v1.Consistency.QUORUM;
      case ALL -> io.dialkv.proto.v1.Consistency.ALL;
      case LINEARIZABLE -> io.dialkv.proto.v1.Consistency.LINEARIZABLE;
    };
  }

  public static io.dialkv.proto.v1.PaxosTrace toProto(PaxosTrace trace) {
    return io.dialkv.proto.v1.PaxosTrace.newBuilder()
        .setBallot(toProto(trace.ballot()))
        .setRounds(trace.rounds())
        .addAllPromised(trace.promised())
        .addAllAccepted(trace.accepted())
        .build();
  }

  /** A Paxos trace from a peer: a ballot is required. */
  public static PaxosTrace fromProto(io.dialkv.proto.v1.PaxosTrace t, boolean present) {
    if (!present || !t.hasBallot()) {
      throw new InvalidRequestException("a decided linearizable operation came without its Paxos round");
    }
    // Node ids, shown to the client: no more than a cluster can have members.
    if (t.getPromisedCount() > MAX_MEMBERS || t.getAcceptedCount() > MAX_MEMBERS) {
      throw new InvalidRequestException("a Paxos round names " + Math.max(t.getPromisedCount(), t.getAcceptedCount())
          + " replicas; a cluster has at most " + MAX_MEMBERS + " members");
    }
    return new PaxosTrace(fromProto(t.getBallot()), t.getRounds(), t.getPromisedList(), t.getAcceptedList());
  }

  public static io.dialkv.proto.v1.Provenance toProto(Provenance p) {
    io.dialkv.proto.v1.Provenance.Builder b =
        io.dialkv.proto.v1.Provenance.newBuilder()
            .setCoordinatorNodeId(p.coordinator())
            .setConsistency(toProto(p.consistency()))
            .addAllReplicas(p.replicas())
            .setRequired(p.required())
            .addAllAliveReplicas(p.alive())
            .setDisagreed(p.disagreed())
            .addAllReadRepaired(p.readRepaired())
            .setPossiblyStale(p.possiblyStale())
            .setSuperseded(p.superseded());
    if (p.writeTimestamp() != null) {
      b.setWriteTimestamp(toProto(p.writeTimestamp()));
    }
    if (p.paxos() != null) {
      b.setPaxos(toProto(p.paxos()));
    }
    for (ReplicaReply r : p.replies()) {
      io.dialkv.proto.v1.ReplicaReply.Builder rb =
          io.dialkv.proto.v1.ReplicaReply.newBuilder()
              .setNodeId(r.nodeId())
              .setCounted(r.counted())
              .setBehindResult(r.behindResult())
              .setAheadOfResult(r.aheadOfResult())
              .setLatencyMillis(r.latencyMillis());
      if (r.newest() != null) {
        rb.setTimestamp(toProto(r.newest()));
      }
      b.addReplies(rb);
    }
    return b.build();
  }
}
