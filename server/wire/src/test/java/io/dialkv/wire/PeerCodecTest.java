package io.dialkv.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.LinearizableAction;
import io.dialkv.core.paxos.PaxosState;
import io.dialkv.core.paxos.PaxosTrace;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.LinearizableRequest;
import io.dialkv.core.transport.LinearizableResponse;
import io.dialkv.core.transport.PrepareResponse;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.ProposeResponse;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerReply;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Peer messages survive their protobuf form, and a malformed one is refused, not guessed at. */
class PeerCodecTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static LinearizableRequest roundTrip(LinearizableRequest request) throws Exception {
    PeerEnvelope wire = PeerCodec.encode(request).setId(7).build();
    return (LinearizableRequest) PeerCodec.decode(PeerEnvelope.parseFrom(wire.toByteString()));
  }

  @Test
  void everyLinearizableActionTravelsAsItWasMade() throws Exception {
    assertThat(roundTrip(new LinearizableRequest(2, "k", new LinearizableAction.Read())))
        .isEqualTo(new LinearizableRequest(2, "k", new LinearizableAction.Read()));
    Mutation update = Mutation.update(Map.of("email", b("ada@example.com")), List.of("bio"));
    assertThat(roundTrip(new LinearizableRequest(2, "profile/ada", new LinearizableAction.Write(update))).action())
        .isInstanceOfSatisfying(LinearizableAction.Write.class, w -> {
          assertThat(w.mutation().set()).containsOnlyKeys("email");
          assertThat(w.mutation().set().get("email")).isEqualTo(b("ada@example.com"));
          assertThat(w.mutation().unset()).containsExactly("bio");
          assertThat(w.mutation().replaceRow()).isFalse();
        });
    assertThat(roundTrip(new LinearizableRequest(2, "k", new LinearizableAction.Write(Mutation.deleteRow()))).action())
        .isInstanceOfSatisfying(LinearizableAction.Write.class, w -> assertThat(w.mutation().replaceRow()).isTrue());
    assertThat(roundTrip(new LinearizableRequest(3, "k", new LinearizableAction.CompareAndSet(null, b("v")))).action())
        .isEqualTo(new LinearizableAction.CompareAndSet(null, b("v")));
    assertThat(roundTrip(new LinearizableRequest(3, "k", new LinearizableAction.CompareAndSet(b(""), b("v")))).action())
        .as("an empty expected value is not 'absent'")
        .isEqualTo(new LinearizableAction.CompareAndSet(b(""), b("v")));
  }

  @Test
  void answersTravelWithTheirOutcome() throws Exception {
    Timestamp ballot = new Timestamp(1_000, 2, 3);
    Row before = Mutation.put(b("old")).at(new Timestamp(900, 0, 1));
    LinearizableResponse done = new LinearizableResponse(3, LinearizableResponse.Outcome.COMPLETED, "", before, true,
        new PaxosTrace(ballot, 2, List.of(1, 3), List.of(1, 2, 3)));
    assertThat(reply(done)).isEqualTo(done);
    LinearizableResponse failed = new LinearizableResponse(3, LinearizableResponse.Outcome.INDETERMINATE,
        "linearizable operation timed out", null, false, null);
    assertThat(reply(failed)).isEqualTo(failed);
    LinearizableResponse verbose = new LinearizableResponse(3, LinearizableResponse.Outcome.CONTENTION,
        "x".repeat(1 << 20), null, false, null);
    assertThat(reply(verbose).message()).hasSize(PeerCodec.MAX_MESSAGE_CHARS + 1);
  }

  @Test
  void aMalformedHandOffOrAnswerIsRefused() {
    PeerEnvelope noAction = PeerEnvelope.newBuilder().setId(1)
        .setLinearizable(io.dialkv.proto.v1.peer.LinearizableRequest.newBuilder().setFromNodeId(2).setKey("k"))
        .build();
    assertThatThrownBy(() -> PeerCodec.decode(noAction))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("without an action");
    PeerReply noOutcome = PeerReply.newBuilder().setId(1)
        .setLinearizable(io.dialkv.proto.v1.peer.LinearizableResponse.newBuilder().setNodeId(3)).build();
    assertThatThrownBy(() -> PeerCodec.decode(PeerEnvelope.BodyCase.LINEARIZABLE, noOutcome))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("no outcome");
    PeerReply decidedWithoutRow = PeerReply.newBuilder().setId(1)
        .setLinearizable(io.dialkv.proto.v1.peer.LinearizableResponse.newBuilder().setNodeId(3)
            .setOutcome(io.dialkv.proto.v1.peer.LinearizableResponse.Outcome.COMPLETED)).build();
    assertThatThrownBy(() -> PeerCodec.decode(PeerEnvelope.BodyCase.LINEARIZABLE, decidedWithoutRow))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("without the row");
    var manyNodes = io.dialkv.proto.v1.PaxosTrace.newBuilder()
        .setBallot(ProtoCodec.toProto(new Timestamp(1, 0, 1)));
    for (int i = 0; i < 2_000; i++) {
      manyNodes.addAccepted(i);
    }
    PeerReply forgedTrace = PeerReply.newBuilder().setId(1)
        .setLinearizable(io.dialkv.proto.v1.peer.LinearizableResponse.newBuilder().setNodeId(3)
            .setOutcome(io.dialkv.proto.v1.peer.LinearizableResponse.Outcome.COMPLETED)
            .setBefore(ProtoCodec.toProto(Row.EMPTY)).setPaxos(manyNodes)).build();
    assertThatThrownBy(() -> PeerCodec.decode(PeerEnvelope.BodyCase.LINEARIZABLE, forgedTrace))
        .isInstanceOf(InvalidRequestException.class).hasMessageContaining("names 2000 replicas");
  }

  private static LinearizableResponse reply(LinearizableResponse response) throws Exception {
    PeerReply wire = PeerCodec.encode(PeerEnvelope.BodyCase.LINEARIZABLE, response).setId(9).build();
    return (LinearizableResponse) PeerCodec.decode(PeerEnvelope.BodyCase.LINEARIZABLE,
        PeerReply.parseFrom(wire.toByteString()));
  }

  @Test
  void aPromiseCarriesItsAcceptedProposalOnceWhenItIsTheCommit() throws Exception {
    Proposal committed = new Proposal(new Timestamp(1_000, 0, 1), Mutation.put(b("v".repeat(200))).at(new Timestamp(1_000, 0, 1)));
    Proposal inFlight = new Proposal(new Timestamp(2_000, 0, 2), Mutation.put(b("w".repeat(200))).at(new Timestamp(2_000, 0, 2)));
    Row row = committed.update();
    PrepareResponse settled = new PrepareResponse(3, true, new Timestamp(3_000, 0, 1), committed, committed, row);
    PeerReply wire = PeerCodec.encode(PeerEnvelope.BodyCase.PREPARE, settled).setId(1).build();
    assertThat(wire.getPrepare().hasAccepted()).as("the proposal is sent once").isFalse();
    assertThat(wire.getPrepare().getAcceptedIsCommitted()).isTrue();
    assertThat(prepareReply(wire)).isEqualTo(settled);

    PrepareResponse unfinished = new PrepareResponse(3, true, new Timestamp(3_000, 0, 1), inFlight, committed, row);
    PeerReply both = PeerCodec.encode(PeerEnvelope.BodyCase.PREPARE, unfinished).setId(1).build();
    assertThat(both.getPrepare().getAcceptedIsCommitted()).isFalse();
    assertThat(prepareReply(both)).isEqualTo(unfinished);
    assertThat(prepareReply(both).accepted().isNewerThan(prepareReply(both).committed()))
        .as("a proposal in flight is still seen as one").isTrue();

    // A node of an older version sends the proposal twice and no flag: read the same way.
    PeerReply older = wire.toBuilder().setPrepare(wire.getPrepare().toBuilder()
        .setAcceptedIsCommitted(false).setAccepted(ProtoCodec.toProto(committed))).build();
    assertThat(prepareReply(older)).isEqualTo(settled);
  }

  @Test
  void anAcceptorsStateStoresItsCommittedProposalOnce() throws Exception {
    Proposal committed = new Proposal(new Timestamp(1_000, 0, 1), Mutation.put(b("v".repeat(200))).at(new Timestamp(1_000, 0, 1)));
    Proposal inFlight = new Proposal(new Timestamp(2_000, 0, 2), Mutation.put(b("w".repeat(200))).at(new Timestamp(2_000, 0, 2)));
    PaxosState settled = new PaxosState(new Timestamp(1_000, 0, 1), committed, committed);
    var stored = ProtoCodec.toProto(settled);
    assertThat(stored.hasAccepted()).isFalse();
    var twice = stored.toBuilder().setAcceptedIsCommitted(false).setAccepted(ProtoCodec.toProto(committed)).build();
    assertThat(stored.getSerializedSize()).isLessThan(twice.getSerializedSize() - 200);
    assertThat(ProtoCodec.fromProto(io.dialkv.proto.v1.peer.PaxosState.parseFrom(stored.toByteArray()))).isEqualTo(settled);
    assertThat(ProtoCodec.fromProto(twice)).as("state stored by an older version").isEqualTo(settled);

    PaxosState unfinished = new PaxosState(new Timestamp(2_000, 0, 2), inFlight, committed);
    assertThat(ProtoCodec.fromProto(io.dialkv.proto.v1.peer.PaxosState.parseFrom(ProtoCodec.toProto(unfinished).toByteArray())))
        .isEqualTo(unfinished);
    PaxosState promisedOnly = new PaxosState(new Timestamp(2_000, 0, 2), null, null);
    assertThat(ProtoCodec.fromProto(ProtoCodec.toProto(promisedOnly))).isEqualTo(promisedOnly);
    assertThat(ProtoCodec.fromProto(ProtoCodec.toProto(PaxosState.EMPTY))).isEqualTo(PaxosState.EMPTY);
  }

  @Test
  void aForgedFlagWithoutACommitMeansNothingAccepted() throws Exception {
    Proposal other = new Proposal(new Timestamp(2_000, 0, 2), Mutation.put(b("w")).at(new Timestamp(2_000, 0, 2)));
    PeerReply forged = PeerReply.newBuilder().setId(1).setPrepare(io.dialkv.proto.v1.peer.PrepareResponse.newBuilder()
        .setNodeId(3).setPromised(true).setPromisedBallot(ProtoCodec.toProto(new Timestamp(3_000, 0, 1)))
        .setAcceptedIsCommitted(true).setAccepted(ProtoCodec.toProto(other))
        .setRow(ProtoCodec.toProto(Row.EMPTY))).build();
    PrepareResponse read = prepareReply(forged);
    assertThat(read.accepted()).as("the flag stands for the commit, and there is none").isNull();
    assertThat(read.committed()).isNull();
  }

  @Test
  void aProposalAskingForItsCommitAndTheAnswerThatDidTravelAsMade() throws Exception {
    Proposal p = new Proposal(new Timestamp(2_000, 0, 2), Mutation.put(b("w")).at(new Timestamp(2_000, 0, 2)));
    for (boolean commit : List.of(true, false)) {
      ProposeRequest request = new ProposeRequest(2, "k", p, commit);
      PeerEnvelope wire = PeerCodec.encode(request).setId(7).build();
      assertThat(PeerCodec.decode(PeerEnvelope.parseFrom(wire.toByteString()))).isEqualTo(request);
      ProposeResponse answer = new ProposeResponse(3, true, p.ballot(), false, commit);
      PeerReply reply = PeerCodec.encode(PeerEnvelope.BodyCase.PROPOSE, answer).setId(7).build();
      assertThat(PeerCodec.decode(PeerEnvelope.BodyCase.PROPOSE, PeerReply.parseFrom(reply.toByteString())))
          .isEqualTo(answer);
    }
    // A refusal that claims a commit claims nothing: only an acceptance can have committed.
    PeerReply forged = PeerReply.newBuilder().setId(1).setPropose(io.dialkv.proto.v1.peer.ProposeResponse.newBuilder()
        .setNodeId(3).setAccepted(false).setCommitted(true)
        .setPromisedBallot(ProtoCodec.toProto(new Timestamp(3_000, 0, 1)))).build();
    ProposeResponse read = (ProposeResponse) PeerCodec.decode(PeerEnvelope.BodyCase.PROPOSE,
        PeerReply.parseFrom(forged.toByteString()));
    assertThat(read.accepted()).isFalse();
    assertThat(read.committed()).isFalse();
  }

  private static PrepareResponse prepareReply(PeerReply wire) throws Exception {
    return (PrepareResponse) PeerCodec.decode(PeerEnvelope.BodyCase.PREPARE, PeerReply.parseFrom(wire.toByteString()));
  }
}
