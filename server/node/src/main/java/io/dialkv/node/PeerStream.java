package io.dialkv.node;

import io.dialkv.core.node.DialNode;
import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.node.access.PeerAccess;
import io.dialkv.proto.v1.peer.PeerBatch;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerError;
import io.dialkv.proto.v1.peer.PeerReplies;
import io.dialkv.proto.v1.peer.PeerReply;
import io.dialkv.wire.PeerCodec;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's side of one peer's {@code Exchange} stream: each request is decoded under guard,
 * checked (its sender must be the node the certificate names, and that node must be admitted to
 * make it now), handed to the node, and answered with its id. A bad message gets a
 * {@link PeerError} of its own; the stream and the other messages on it go on.
 *
 * <p>Requests come in batches (what the peer's loop made in one turn); the answers made in one turn
 * of this node's loop go back as one batch too. Bounded: a batch holds at most
 * {@link PeerLink#MAX_BATCH} requests (a stream that sends more is ended), the stream takes at most
 * {@link #WINDOW} batches ahead, and it takes more only while fewer than {@link #MAX_UNANSWERED}
 * of its requests await their answer and the peer reads its answers (gRPC's flow control holds the
 * rest on the wire, and then at the sender, whose own bound fails them). So a peer that floods, or
 * never reads, costs a fixed amount of memory. Runs on the node's event loop, like the node.
 */
final class PeerStream implements StreamObserver<PeerBatch> {
  /** Batches a stream may have taken ahead of processing them. */
  static final int WINDOW = 16;
  /** Requests a stream may have awaiting their answer before it takes more. */
  static final int MAX_UNANSWERED = 4096;

  private static final Logger log = LoggerFactory.getLogger(PeerStream.class);
  private static final RateLimitedLog limited = new RateLimitedLog(log, 10, TimeUnit.SECONDS);

  private final DialNode node;
  private final LinkRules links;
  private final PeerAccess access;
  private final int certified;
  private final ServerCallStreamObserver<PeerReplies> replies;
  private final Scheduler loop;
  private boolean closed;
  // The peer sends no more: the stream ends once every request it sent is answered.
  private boolean peerDone;
  // Batches done with while the stream could not take more: taken again when it can.
  private int owed;
  private int unanswered;
  // Answers made this turn, sent together when it ends.
  private PeerReplies.Builder outgoing = PeerReplies.newBuilder();
  private boolean flushScheduled;

  /**
   * @param certified the node id the caller's certificate names; 0 without TLS
   */
  PeerStream(DialNode node, LinkRules links, PeerAccess access, int certified, Scheduler loop,
      StreamObserver<PeerReplies> replies) {
    this.node = node;
    this.links = links;
    this.access = access;
    this.certified = certified;
    this.loop = loop;
    this.replies = (ServerCallStreamObserver<PeerReplies>) replies;
    this.replies.disableAutoRequest();
    this.replies.setOnCancelHandler(() -> closed = true);
    this.replies.setOnReadyHandler(this::takeOwed);
    this.replies.request(WINDOW);
  }

  @Override
  public void onNext(PeerBatch batch) {
    if (closed) {
      return;
    }
    if (batch.getRequestsCount() > PeerLink.MAX_BATCH) {
      closed = true;
      limited.warn("batch-" + certified, "peer port: ended the stream of n{}: a batch of {} requests, at most {}",
          certified, batch.getRequestsCount(), PeerLink.MAX_BATCH);
      replies.onError(Status.RESOURCE_EXHAUSTED.withDescription("a batch of " + batch.getRequestsCount()
          + " requests; at most " + PeerLink.MAX_BATCH).asRuntimeException());
      return;
    }
    for (PeerEnvelope envelope : batch.getRequestsList()) {
      handle(envelope);
    }
    owed++;
    takeOwed();
  }

  private void handle(PeerEnvelope envelope) {
    long id = envelope.getId();
    PeerEnvelope.BodyCase kind = envelope.getBodyCase();
    PeerRequest<?> request;
    try {
      request = PeerCodec.decode(envelope);
      checkSender(request.from(), kind);
    } catch (RuntimeException e) {
      unanswered++;
      answer(error(id, e));
      return;
    }
    if (links.blocks(request.from())) {
      // A cut link: dropped unanswered, so the peer times out as across a real partition.
      return;
    }
    unanswered++;
    java.util.concurrent.CompletableFuture<? extends PeerResponse> handled;
    try {
      handled = node.handlePeer(request);
    } catch (RuntimeException e) {
      answer(error(id, e));
      return;
    }
    handled.whenComplete((PeerResponse response, Throwable failure) -> {
      if (failure != null) {
        answer(error(id, failure));
        return;
      }
      PeerReply reply;
      try {
        reply = PeerCodec.encode(kind, response).setId(id).build();
      } catch (RuntimeException e) {
        reply = error(id, e);
      }
      answer(reply);
    });
  }

  /** The request's claimed sender must be the certified node, admitted to make it now. */
  private void checkSender(int from, PeerEnvelope.BodyCase kind) {
    if (certified == 0) {
      return;
    }
    PeerAccess.checkClaimedSender(certified, from);
    Optional<Status> refused = access.refusal(certified, kind == PeerEnvelope.BodyCase.HEARTBEAT ? "Heartbeat" : kind.name());
    if (refused.isPresent()) {
      limited.warn("denied-stream", "peer port: refused a {} from n{}: {}", kind, certified,
          refused.get().getDescription());
      throw refused.get().asRuntimeException();
    }
  }

  private static PeerReply error(long id, Throwable failure) {
    StatusRuntimeException status = Replies.toStatus(failure);
    String kind = status.getTrailers() == null ? null : status.getTrailers().get(Replies.ERROR_KIND);
    String message = status.getStatus().getDescription();
    return PeerReply.newBuilder()
        .setId(id)
        .setError(PeerError.newBuilder()
            .setCode(status.getStatus().getCode().value())
            .setMessage(message == null ? "" : message)
            .setKind(kind == null ? "" : kind))
        .build();
  }

  private void answer(PeerReply reply) {
    unanswered--;
    if (closed) {
      return;
    }
    outgoing.addReplies(reply);
    if (!flushScheduled) {
      flushScheduled = true;
      loop.execute(this::flush);
    }
  }

  /** Sends this turn's answers as one message of the stream; ends it once the peer is done and all is answered. */
  private void flush() {
    flushScheduled = false;
    if (closed) {
      return;
    }
    if (outgoing.getRepliesCount() > 0) {
      PeerReplies out = outgoing.build();
      outgoing = PeerReplies.newBuilder();
      replies.onNext(out);
      takeOwed();
    }
    if (peerDone && unanswered == 0) {
      closed = true;
      replies.onCompleted();
    }
  }

  /** Takes the batches owed if the peer reads its answers and not too many requests await theirs. */
  private void takeOwed() {
    if (!closed && owed > 0 && replies.isReady() && unanswered < MAX_UNANSWERED) {
      int n = owed;
      owed = 0;
      replies.request(n);
    }
  }

  @Override
  public void onError(Throwable t) {
    closed = true;
  }

  @Override
  public void onCompleted() {
    // The peer sends no more (it is going away, or sent its one batch): what it sent is still
    // answered, an answer that waits for the disk included, and then the stream ends.
    peerDone = true;
    flush();
  }
}
