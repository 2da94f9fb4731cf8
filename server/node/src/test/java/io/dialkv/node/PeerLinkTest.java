package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Row;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaReadResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.proto.v1.peer.PeerBatch;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.proto.v1.peer.PeerError;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.dialkv.proto.v1.peer.PeerReplies;
import io.dialkv.proto.v1.peer.PeerReply;
import io.dialkv.wire.PeerCodec;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The sending side of the peer stream against a fake peer that answers as each test says: replies
 * matched by id in any order, timeouts per message, a bound on what is unanswered, a lost stream
 * failing what was on it and the next request opening a new one, errors read as refusals, and the
 * emulated link delay.
 */
class PeerLinkTest {
  private EventLoopScheduler loop;
  private Server server;
  private ManagedChannel channel;
  // What the fake peer does with each request: (envelope, the stream's reply observer).
  private volatile BiConsumer<PeerEnvelope, StreamObserver<PeerReply>> peer = (e, r) -> {};
  private final List<PeerEnvelope> received = new CopyOnWriteArrayList<>();
  private final List<StreamObserver<PeerReply>> streams = new CopyOnWriteArrayList<>();
  private final List<Integer> batchSizes = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    loop = new EventLoopScheduler("peer-link-test");
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new PeerGrpc.PeerImplBase() {
          @Override
          public StreamObserver<PeerBatch> exchange(StreamObserver<PeerReplies> batches) {
            // Each answer its own batch: the fake peer answers one request at a time.
            StreamObserver<PeerReply> replies = new StreamObserver<>() {
              @Override
              public void onNext(PeerReply reply) {
                batches.onNext(PeerReplies.newBuilder().addReplies(reply).build());
              }

              @Override
              public void onError(Throwable t) {
                batches.onError(t);
              }

              @Override
              public void onCompleted() {
                batches.onCompleted();
              }
            };
            streams.add(replies);
            return new StreamObserver<>() {
              @Override
              public void onNext(PeerBatch batch) {
                batchSizes.add(batch.getRequestsCount());
                for (PeerEnvelope envelope : batch.getRequestsList()) {
                  received.add(envelope);
                  synchronized (replies) {
                    peer.accept(envelope, replies);
                  }
                }
              }

              @Override
              public void onError(Throwable t) {}

              @Override
              public void onCompleted() {}
            };
          }
        })
        .build()
        .start();
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .usePlaintext()
        .eventLoopGroup(loop.group())
        .channelType(loop.channelType())
        .directExecutor()
        .build();
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    loop.close();
  }

  private static PeerReply readReply(long id, int nodeId) {
    return PeerReply.newBuilder().setId(id)
        .setRead(io.dialkv.proto.v1.peer.ReplicaReadResponse.newBuilder().setNodeId(nodeId)).build();
  }

  private CompletableFuture<PeerResponse> send(PeerLink link, Object request, Duration timeout) {
    CompletableFuture<PeerResponse> reply = new CompletableFuture<>();
    loop.execute(() -> link.send(PeerCodec.encode((io.dialkv.core.transport.PeerRequest<?>) request), reply, timeout));
    return reply;
  }

  private PeerLink link(long maxOutstandingBytes) {
    return new PeerLink(2, channel, loop, 4 << 20, maxOutstandingBytes);
  }

  private static PeerFailureException failureOf(CompletableFuture<PeerResponse> f) {
    Throwable t = f.handle((r, e) -> e).join();
    assertThat(t).isInstanceOf(PeerFailureException.class);
    return (PeerFailureException) t;
  }

  @Test
  void answersFindTheirRequestsByIdInWhateverOrderTheyCome() {
    List<PeerEnvelope> held = new ArrayList<>();
    peer = (e, replies) -> {
      held.add(e);
      if (held.size() == 3) {
        for (int i = 2; i >= 0; i--) { // the last asked is answered first
          PeerEnvelope h = held.get(i);
          replies.onNext(readReply(h.getId(), 100 + (int) h.getId()));
        }
      }
    };
    PeerLink link = link(16 << 20);
    List<CompletableFuture<PeerResponse>> replies = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      replies.add(send(link, new ReplicaReadRequest(1, "k" + i), Duration.ofSeconds(5)));
    }
    for (int i = 0; i < 3; i++) {
      PeerResponse r = replies.get(i).orTimeout(5, TimeUnit.SECONDS).join();
      assertThat(((ReplicaReadResponse) r).nodeId()).isEqualTo(100 + i + 1);
    }
    assertThat(streams).hasSize(1); // all on one stream
  }

  @Test
  void requestsMadeInOneTurnOfTheLoopTravelAsOneBatch() {
    peer = (e, replies) -> replies.onNext(readReply(e.getId(), 2));
    PeerLink link = link(16 << 20);
    List<CompletableFuture<PeerResponse>> replies = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      replies.add(new CompletableFuture<>());
    }
    loop.execute(() -> {
      for (int i = 0; i < 5; i++) {
        link.send(PeerCodec.encode(new ReplicaReadRequest(1, "k" + i)), replies.get(i), Duration.ofSeconds(5));
      }
    });
    replies.forEach(r -> r.orTimeout(5, TimeUnit.SECONDS).join());
    assertThat(batchSizes).containsExactly(5);
    // The next turn's request is a batch of its own.
    send(link, new ReplicaReadRequest(1, "later"), Duration.ofSeconds(5)).orTimeout(5, TimeUnit.SECONDS).join();
    assertThat(batchSizes).containsExactly(5, 1);
  }

  @Test
  void aRequestLeftUnansweredTimesOutAloneAndTheStreamGoesOn() {
    peer = (e, replies) -> {
      if (e.getRead().getKey().equals("answered")) {
        replies.onNext(readReply(e.getId(), 2));
      }
    };
    PeerLink link = link(16 << 20);
    long start = System.nanoTime();
    CompletableFuture<PeerResponse> ignored = send(link, new ReplicaReadRequest(1, "ignored"), Duration.ofMillis(300));
    PeerFailureException timeout = failureOf(ignored.orTimeout(5, TimeUnit.SECONDS));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(timeout.getMessage()).contains("DEADLINE_EXCEEDED: no answer within 300 ms");
    assertThat(timeout.mayHaveBeenDelivered()).isTrue();
    assertThat(send(link, new ReplicaReadRequest(1, "answered"), Duration.ofSeconds(5))
        .orTimeout(5, TimeUnit.SECONDS).join()).isInstanceOf(ReplicaReadResponse.class);
    assertThat(streams).hasSize(1);
  }

  @Test
  void pastTheBoundOfUnansweredBytesRequestsFailAtOnceUnsent() {
    PeerLink link = link(64 << 10);
    Row tenKb = Row.of(Map.of("value", Cell.live(new byte[10_000], new Timestamp(1, 0, 1))));
    List<CompletableFuture<PeerResponse>> replies = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      replies.add(send(link, new ReplicaWriteRequest(1, "k" + i, tenKb), Duration.ofSeconds(30)));
    }
    // The peer never answers: what is over 64 kB unanswered fails at once and never leaves.
    await().atMost(Duration.ofSeconds(5)).until(() -> replies.stream().filter(CompletableFuture::isDone).count() >= 13);
    List<CompletableFuture<PeerResponse>> refused = replies.stream().filter(CompletableFuture::isDone).toList();
    for (CompletableFuture<PeerResponse> r : refused) {
      PeerFailureException f = failureOf(r);
      assertThat(f.getMessage()).contains("bytes of requests are unanswered on the link (limit 65536)");
      assertThat(f.mayHaveBeenDelivered()).isFalse();
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> received.size() == 20 - refused.size());
    assertThat(received).hasSizeLessThanOrEqualTo(7);
  }

  @Test
  void aLostStreamFailsEveryRequestOnItAndTheNextRequestOpensANewOne() {
    peer = (e, replies) -> {
      if (received.size() == 3) {
        replies.onError(Status.UNAVAILABLE.withDescription("peer restarting").asRuntimeException());
      } else if (received.size() > 3) {
        replies.onNext(readReply(e.getId(), 2));
      }
    };
    PeerLink link = link(16 << 20);
    List<CompletableFuture<PeerResponse>> first = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      first.add(send(link, new ReplicaReadRequest(1, "k" + i), Duration.ofSeconds(30)));
    }
    for (CompletableFuture<PeerResponse> r : first) {
      PeerFailureException f = failureOf(r.orTimeout(5, TimeUnit.SECONDS));
      assertThat(f.getMessage()).contains("UNAVAILABLE: peer restarting");
      assertThat(f.mayHaveBeenDelivered()).isTrue();
      assertThat(f.refused()).isFalse();
    }
    assertThat(send(link, new ReplicaReadRequest(1, "after"), Duration.ofSeconds(5))
        .orTimeout(5, TimeUnit.SECONDS).join()).isInstanceOf(ReplicaReadResponse.class);
    assertThat(streams).hasSize(2);
  }

  @Test
  void requestsToAPeerThatIsDownFailAtOnceNotAtTheirTimeout() throws Exception {
    peer = (e, replies) -> replies.onNext(readReply(e.getId(), 2));
    PeerLink link = link(16 << 20);
    send(link, new ReplicaReadRequest(1, "up"), Duration.ofSeconds(5)).orTimeout(5, TimeUnit.SECONDS).join();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS); // the peer dies
    for (int i = 0; i < 20; i++) {
      long start = System.nanoTime();
      PeerFailureException f = failureOf(
          send(link, new ReplicaReadRequest(1, "down-" + i), Duration.ofSeconds(30)).orTimeout(10, TimeUnit.SECONDS));
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("request %d", i).isLessThan(Duration.ofSeconds(2));
      if (i > 0) { // the first may meet the stream the dying peer reset
        assertThat(f.getMessage()).contains("UNAVAILABLE");
      }
    }
  }

  @Test
  void errorsInRepliesAreReadAsTheRefusalsTheyAre() {
    peer = (e, replies) -> {
      PeerError error = switch (e.getRead().getKey()) {
        case "invalid" -> PeerError.newBuilder().setCode(Status.Code.INVALID_ARGUMENT.value())
            .setMessage("key is 300 bytes, limit 256").setKind("invalid-argument").build();
        case "clock" -> PeerError.newBuilder().setCode(Status.Code.FAILED_PRECONDITION.value())
            .setMessage("the maximum clock offset is 500 ms").setKind("clock-offset").build();
        default -> PeerError.newBuilder().setCode(Status.Code.INTERNAL.value()).setMessage("boom").build();
      };
      replies.onNext(PeerReply.newBuilder().setId(e.getId()).setError(error).build());
    };
    PeerLink link = link(16 << 20);
    PeerFailureException invalid = failureOf(send(link, new ReplicaReadRequest(1, "invalid"), Duration.ofSeconds(5)));
    assertThat(invalid.refusal()).isEqualTo(PeerFailureException.Refusal.INVALID);
    assertThat(invalid.getMessage()).isEqualTo("n2: refused: INVALID_ARGUMENT: key is 300 bytes, limit 256");
    PeerFailureException clock = failureOf(send(link, new ReplicaReadRequest(1, "clock"), Duration.ofSeconds(5)));
    assertThat(clock.refusal()).isEqualTo(PeerFailureException.Refusal.CLOCK_OFFSET);
    PeerFailureException other = failureOf(send(link, new ReplicaReadRequest(1, "other"), Duration.ofSeconds(5)));
    assertThat(other.refused()).isFalse();
    assertThat(other.mayHaveBeenDelivered()).isTrue();
  }

  @Test
  void aReplyOfTheWrongKindIsMalformedAndFailsOnlyItsRequest() {
    peer = (e, replies) -> replies.onNext(PeerReply.newBuilder().setId(e.getId())
        .setCommit(io.dialkv.proto.v1.peer.CommitResponse.newBuilder().setNodeId(2)).build());
    PeerFailureException f = failureOf(send(link(16 << 20), new ReplicaReadRequest(1, "k"), Duration.ofSeconds(5)));
    assertThat(f.getMessage()).contains("malformed reply: a READ request was answered with COMMIT");
  }

  @Test
  void theLinkDelayHoldsEachMessageAndEachAnswer() {
    peer = (e, replies) -> replies.onNext(readReply(e.getId(), 2));
    LinkRules rules = new LinkRules();
    GrpcTransport transport = new GrpcTransport(Map.of(2, "127.0.0.1:" + server.getPort()), loop, 4 << 20, rules, null);
    try {
      Duration plain = roundTrip(transport);
      rules.delay(Duration.ofMillis(150));
      Duration delayed = roundTrip(transport);
      assertThat(delayed).isGreaterThanOrEqualTo(Duration.ofMillis(300));
      assertThat(plain).isLessThan(Duration.ofMillis(300));
      // A timeout shorter than the round trip fails, at the timeout, without sending.
      int before = received.size();
      CompletableFuture<ReplicaReadResponse> tooShort = new CompletableFuture<>();
      loop.execute(() -> transport.send(2, new ReplicaReadRequest(1, "k"), Duration.ofMillis(200))
          .whenComplete((r, e) -> {
            if (e != null) {
              tooShort.completeExceptionally(e);
            } else {
              tooShort.complete(r);
            }
          }));
      Throwable t = tooShort.handle((r, e) -> e).orTimeout(5, TimeUnit.SECONDS).join();
      assertThat(t).hasMessageContaining("a round trip takes 300 ms (--link-delay-ms)");
      assertThat(received).hasSize(before);
    } finally {
      transport.close();
    }
  }

  private Duration roundTrip(GrpcTransport transport) {
    // Warm: the first call opens the connection.
    for (int i = 0; i < 3; i++) {
      long start = System.nanoTime();
      CompletableFuture<ReplicaReadResponse> r = new CompletableFuture<>();
      loop.execute(() -> transport.send(2, new ReplicaReadRequest(1, "k"), Duration.ofSeconds(5))
          .whenComplete((ok, e) -> {
            if (e != null) {
              r.completeExceptionally(e);
            } else {
              r.complete(ok);
            }
          }));
      r.orTimeout(10, TimeUnit.SECONDS).join();
      if (i == 2) {
        return Duration.ofNanos(System.nanoTime() - start);
      }
    }
    throw new AssertionError();
  }
}
