package io.dialkv.node;

import io.dialkv.core.time.Scheduler;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.proto.v1.peer.PeerBatch;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerError;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.dialkv.proto.v1.peer.PeerReplies;
import io.dialkv.proto.v1.peer.PeerReply;
import io.dialkv.wire.PeerCodec;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * This node's side of its {@code Exchange} stream to one peer: numbers each request, matches each
 * reply to it, times out the ones unanswered, and fails every unanswered one when the stream ends
 * (after which the next request opens a new stream). Everything here runs on the node's event loop,
 * the thread gRPC delivers the stream's replies on, so it needs no locks.
 *
 * <p>Requests made in one turn of the loop leave as one {@link PeerBatch}, one message of the
 * stream: a coordinator's fan-out and everything else the turn produced for this peer share its
 * framing, TLS record and system call, where a unary call each paid for its own HTTP/2 stream,
 * headers and trailers.
 */
final class PeerLink {
  private final int peer;
  private final ManagedChannel channel;
  private final Scheduler loop;
  private final int maxMessageBytes;
  // Back-pressure: past this many bytes of requests unanswered (a peer that stopped reading, or a
  // connection that stalled), requests fail at once instead of queueing without bound.
  private final long maxOutstandingBytes;

  // The stream new requests go on; replaced once it has ended.
  private Answers stream;
  private final Map<Long, Pending> pending = new HashMap<>();
  private long nextId = 1;
  private long outstandingBytes;
  // Requests made this turn, for the current stream, sent together when the turn ends.
  private PeerBatch.Builder batch = PeerBatch.newBuilder();
  private int batchBytes;
  private boolean flushScheduled;

  /** The most requests in one batch; a peer refuses a stream that sends more. */
  static final int MAX_BATCH = 4096;

  private static final class Pending {
    final PeerEnvelope.BodyCase kind;
    final CompletableFuture<PeerResponse> reply;
    final int bytes;
    final Answers via;
    Scheduler.Cancellable timer;

    Pending(PeerEnvelope.BodyCase kind, CompletableFuture<PeerResponse> reply, int bytes, Answers via) {
      this.kind = kind;
      this.reply = reply;
      this.bytes = bytes;
      this.via = via;
    }
  }

  PeerLink(int peer, ManagedChannel channel, Scheduler loop, int maxMessageBytes, long maxOutstandingBytes) {
    this.peer = peer;
    this.channel = channel;
    this.loop = loop;
    this.maxMessageBytes = maxMessageBytes;
    this.maxOutstandingBytes = maxOutstandingBytes;
  }

  ManagedChannel channel() {
    return channel;
  }

  /** Sends one request; {@code reply} completes with its answer or a {@link PeerFailureException}. */
  void send(PeerEnvelope.Builder body, CompletableFuture<PeerResponse> reply, Duration timeout) {
    long id = nextId++;
    PeerEnvelope envelope = body.setId(id).build();
    int bytes = envelope.getSerializedSize();
    if (bytes > maxMessageBytes - 64) { // room for the batch's framing
      reply.completeExceptionally(PeerFailureException.refusal(peer, PeerFailureException.Refusal.INVALID,
          "a " + envelope.getBodyCase() + " message of " + bytes + " bytes is over the peer message limit of "
              + maxMessageBytes));
      return;
    }
    if (outstandingBytes + bytes > maxOutstandingBytes && !pending.isEmpty()) {
      // Not sent, so certainly not applied.
      reply.completeExceptionally(new PeerFailureException(peer, "UNAVAILABLE: " + outstandingBytes
          + " bytes of requests are unanswered on the link (limit " + maxOutstandingBytes + "); not sending more",
          false));
      return;
    }
    if (stream == null || stream.ended) {
      stream = open();
      if (stream.ended) {
        // Failed as it opened (the peer is known to be down, the channel is closing): so does
        // the request, at once, as a unary call would have.
        reply.completeExceptionally(stream.failure());
        return;
      }
    }
    Pending p = new Pending(envelope.getBodyCase(), reply, bytes, stream);
    pending.put(id, p);
    outstandingBytes += bytes;
    p.timer = loop.schedule(timeout, () -> {
      if (pending.remove(id) == p) {
        outstandingBytes -= p.bytes;
        // A late reply finds no one waiting and is dropped.
        p.reply.completeExceptionally(new PeerFailureException(
            peer, "DEADLINE_EXCEEDED: no answer within " + timeout.toMillis() + " ms", true));
      }
    });
    if (batch.getRequestsCount() >= MAX_BATCH || batchBytes + bytes > maxMessageBytes - 64) {
      flush();
    }
    batch.addRequests(envelope);
    batchBytes += bytes + 8;
    if (!flushScheduled) {
      flushScheduled = true;
      // Runs after what the loop has queued already: the rest of this turn's work.
      loop.execute(this::flush);
    }
  }

  /** Sends this turn's requests as one message of the stream. */
  private void flush() {
    flushScheduled = false;
    if (batch.getRequestsCount() == 0) {
      return;
    }
    PeerBatch out = batch.build();
    batch = PeerBatch.newBuilder();
    batchBytes = 0;
    // A stream that fails at once (a peer known to be down) ends inside this call, and the batch's
    // requests with it.
    stream.requests.onNext(out);
  }

  private Answers open() {
    Answers answers = new Answers();
    PeerGrpc.newStub(channel).exchange(answers);
    return answers;
  }

  private void answered(PeerReply reply) {
    Pending p = pending.remove(reply.getId());
    if (p == null) {
      return; // timed out already (or a peer answering what was never asked)
    }
    p.timer.cancel();
    outstandingBytes -= p.bytes;
    if (reply.getBodyCase() == PeerReply.BodyCase.ERROR) {
      p.reply.completeExceptionally(failure(reply.getError()));
      return;
    }
    PeerResponse response;
    try {
      response = PeerCodec.decode(p.kind, reply);
    } catch (RuntimeException malformed) {
      p.reply.completeExceptionally(
          new PeerFailureException(peer, "malformed reply: " + malformed.getMessage(), true));
      return;
    }
    p.reply.complete(response);
  }

  /** A failure the peer reported for one request, read as a failed unary call's status would be. */
  private PeerFailureException failure(PeerError error) {
    Status status = Status.fromCodeValue(error.getCode()).withDescription(error.getMessage());
    PeerFailureException.Refusal refusal = refusal(status.getCode(), error.getKind());
    String reason = status.getCode() + (error.getMessage().isEmpty() ? "" : ": " + error.getMessage());
    return refusal != null
        ? PeerFailureException.refusal(peer, refusal, reason)
        : new PeerFailureException(peer, reason, true);
  }

  /** A stream ended: every request still unanswered on it fails. */
  private void lost(Answers which, Throwable t) {
    if (which.ended) {
      return;
    }
    which.ended = true;
    if (which == stream) {
      // Not sent yet, and failed below with the rest.
      batch = PeerBatch.newBuilder();
      batchBytes = 0;
    }
    Status status = t == null ? Status.UNAVAILABLE.withDescription("the peer closed the stream") : Status.fromThrowable(t);
    // Only a stream refused as it opened (the caller not admitted) certainly did nothing; one that
    // broke later (a malformed message on it, a lost connection) may have delivered any of them.
    PeerFailureException.Refusal refusal = status.getCode() == Status.Code.PERMISSION_DENIED
        || status.getCode() == Status.Code.UNAUTHENTICATED ? PeerFailureException.Refusal.NOT_ADMITTED : null;
    // Refused connections reached no one: nothing sent on them was applied.
    boolean neverArrived = status.getCode() == Status.Code.UNAVAILABLE && hasCause(t, ConnectException.class);
    if (status.getCode() == Status.Code.UNAVAILABLE) {
      // A restarted peer should be reachable at the next heartbeat, not after gRPC's exponential
      // reconnect back-off (up to two minutes).
      channel.resetConnectBackoff();
    }
    which.reason = status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
    which.refusal = refusal;
    which.neverArrived = neverArrived;
    List<Pending> failed = new ArrayList<>();
    pending.values().removeIf(p -> p.via == which && failed.add(p));
    for (Pending p : failed) {
      outstandingBytes -= p.bytes;
      p.timer.cancel();
      p.reply.completeExceptionally(which.failure());
    }
  }

  /** Cancels the stream; what is unanswered fails. */
  void close() {
    Answers s = stream;
    if (s != null && !s.ended) {
      s.requests.cancel("node shutting down", null);
      lost(s, Status.UNAVAILABLE.withDescription("node shutting down").asRuntimeException());
    }
  }

  /** Whether a failure was the peer refusing the request (so it did nothing), and why. */
  static PeerFailureException.Refusal refusal(Status.Code code, String kind) {
    return switch (code) {
      case INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> PeerFailureException.Refusal.INVALID;
      case FAILED_PRECONDITION -> "clock-offset".equals(kind) ? PeerFailureException.Refusal.CLOCK_OFFSET : null;
      case PERMISSION_DENIED, UNAUTHENTICATED -> PeerFailureException.Refusal.NOT_ADMITTED;
      default -> null;
    };
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  /** The stream's replies, delivered on the loop (the channel runs there with a direct executor). */
  private final class Answers implements ClientResponseObserver<PeerBatch, PeerReplies> {
    ClientCallStreamObserver<PeerBatch> requests;
    boolean ended;
    // How it ended, once it has.
    String reason;
    PeerFailureException.Refusal refusal;
    boolean neverArrived;

    /** What each request on this ended stream fails with. */
    PeerFailureException failure() {
      return refusal != null
          ? PeerFailureException.refusal(peer, refusal, reason)
          : new PeerFailureException(peer, reason, !neverArrived);
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<PeerBatch> requests) {
      this.requests = requests;
    }

    @Override
    public void onNext(PeerReplies replies) {
      onLoop(() -> replies.getRepliesList().forEach(PeerLink.this::answered));
    }

    @Override
    public void onError(Throwable t) {
      onLoop(() -> lost(this, t));
    }

    @Override
    public void onCompleted() {
      onLoop(() -> lost(this, null));
    }
  }

  private void onLoop(Runnable task) {
    if (loop.inLoop()) {
      task.run();
    } else {
      loop.execute(task);
    }
  }
}
