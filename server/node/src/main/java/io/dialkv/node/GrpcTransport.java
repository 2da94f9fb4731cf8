package io.dialkv.node;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.dialkv.core.transport.ApplyRowsRequest;
import io.dialkv.core.transport.CommitRequest;
import io.dialkv.core.transport.CommitResponse;
import io.dialkv.core.transport.FetchRowsRequest;
import io.dialkv.core.transport.FetchRowsResponse;
import io.dialkv.core.transport.HeartbeatRequest;
import io.dialkv.core.transport.HeartbeatResponse;
import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.PrepareRequest;
import io.dialkv.core.transport.PrepareResponse;
import io.dialkv.core.transport.ProposeRequest;
import io.dialkv.core.transport.ProposeResponse;
import io.dialkv.core.transport.RangeDigestRequest;
import io.dialkv.core.transport.RangeDigestResponse;
import io.dialkv.core.transport.RangeRowsRequest;
import io.dialkv.core.transport.RangeRowsResponse;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaReadResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.ReplicaWriteResponse;
import io.dialkv.core.transport.Transport;
import io.dialkv.proto.v1.peer.PeerGrpc;
import io.dialkv.security.Tls;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.ConnectException;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * The {@link Transport} between node processes: the {@code dialkv.v1.peer.Peer} gRPC service, one
 * channel per peer, all on the node's own event loop, so replies arrive where the core runs.
 */
public final class GrpcTransport implements Transport {
  // Replaced as members join and leave; read on any thread.
  private volatile Map<Integer, String> addresses;
  private final EventLoopScheduler loop;
  private final int maxMessageBytes;
  private final LinkRules links;
  private final Map<Integer, ManagedChannel> channels = new ConcurrentHashMap<>();
  // Mutual TLS to each peer, which must present its own node certificate; null: plaintext.
  private final Tls tls;
  // A coordinator sends the same write to every replica: encode it once. Only touched on the
  // node's event loop, like every send.
  private ReplicaWriteRequest lastWrite;
  private io.dialkv.proto.v1.peer.ReplicaWriteRequest lastWriteProto;

  /**
   * @param tls the node's TLS credentials, or null to talk to peers in plaintext ({@code --insecure})
   */
  public GrpcTransport(
      Map<Integer, String> addresses, EventLoopScheduler loop, int maxMessageBytes, LinkRules links, Tls tls) {
    this.addresses = Map.copyOf(addresses);
    this.loop = loop;
    this.maxMessageBytes = maxMessageBytes;
    this.links = links;
    this.tls = tls;
  }

  @Override
  public void learnAddresses(Map<Integer, String> next) {
    Map<Integer, String> before = addresses;
    addresses = Map.copyOf(next);
    // A node that left, or came back at another address, must not keep its old channel.
    before.forEach((id, address) -> {
      if (!address.equals(next.get(id))) {
        ManagedChannel old = channels.remove(id);
        if (old != null) {
          old.shutdown();
        }
      }
    });
  }

  @Override
  public <R extends PeerResponse> CompletableFuture<R> send(
      int to, PeerRequest<R> request, Duration timeout) {
    // The core sends from inside client calls' handlers, whose gRPC context is cancelled the moment
    // the client gets its answer; calls started in it would be cancelled with it. A write at ONE
    // answered from the coordinator's own copy would then never reach the other replicas.
    Context previous = Context.ROOT.attach();
    try {
      return sendOutsideCallContext(to, request, timeout);
    } finally {
      Context.ROOT.detach(previous);
    }
  }

  private <R extends PeerResponse> CompletableFuture<R> sendOutsideCallContext(
      int to, PeerRequest<R> request, Duration timeout) {
    CompletableFuture<R> reply = new CompletableFuture<>();
    if (links.blocks(to)) {
      // A cut link: nothing is sent and nothing comes back; the sender learns only by timing out.
      loop.schedule(timeout, () -> reply.completeExceptionally(
          new PeerFailureException(to, "timed out after " + timeout.toMillis() + " ms (link cut)", true)));
      return reply;
    }
    ManagedChannel channel = channel(to);
    if (channel == null) {
      reply.completeExceptionally(new PeerFailureException(to, "unknown node", false));
      return reply;
    }
    PeerGrpc.PeerFutureStub stub =
        PeerGrpc.newFutureStub(channel).withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS);
    if (request instanceof ReplicaWriteRequest write) {
      relay(
          to,
          channel,
          stub.write(encode(write)),
          r -> new ReplicaWriteResponse(r.getNodeId(),
              r.hasSupersededBy() ? ProtoCodec.fromProto(r.getSupersededBy()) : null),
          reply);
    } else if (request instanceof ReplicaReadRequest read) {
      relay(
          to,
          channel,
          stub.read(
              io.dialkv.proto.v1.peer.ReplicaReadRequest.newBuilder()
                  .setFromNodeId(read.from())
                  .setKey(read.key())
                  .build()),
          r -> new ReplicaReadResponse(r.getNodeId(), ProtoCodec.fromProto(r.getRow())),
          reply);
    } else if (request instanceof PrepareRequest prepare) {
      relay(to, channel,
          stub.prepare(io.dialkv.proto.v1.peer.PrepareRequest.newBuilder()
              .setFromNodeId(prepare.from())
              .setKey(prepare.key())
              .setBallot(ProtoCodec.toProto(prepare.ballot()))
              .build()),
          r -> new PrepareResponse(r.getNodeId(), r.getPromised(), ProtoCodec.fromProto(r.getPromisedBallot()),
              ProtoCodec.fromProto(r.getAccepted(), r.hasAccepted()),
              ProtoCodec.fromProto(r.getCommitted(), r.hasCommitted())),
          reply);
    } else if (request instanceof ProposeRequest propose) {
      relay(to, channel,
          stub.propose(io.dialkv.proto.v1.peer.ProposeRequest.newBuilder()
              .setFromNodeId(propose.from())
              .setKey(propose.key())
              .setProposal(ProtoCodec.toProto(propose.proposal()))
              .build()),
          r -> new ProposeResponse(r.getNodeId(), r.getAccepted(), ProtoCodec.fromProto(r.getPromisedBallot())),
          reply);
    } else if (request instanceof CommitRequest commit) {
      relay(to, channel,
          stub.commit(io.dialkv.proto.v1.peer.CommitRequest.newBuilder()
              .setFromNodeId(commit.from())
              .setKey(commit.key())
              .setProposal(ProtoCodec.toProto(commit.proposal()))
              .build()),
          r -> new CommitResponse(r.getNodeId()),
          reply);
    } else if (request instanceof RangeDigestRequest digest) {
      relay(to, channel,
          stub.rangeDigest(io.dialkv.proto.v1.peer.RangeDigestRequest.newBuilder()
              .setFromNodeId(digest.from())
              .addAllRanges(digest.ranges())
              .build()),
          r -> {
            Map<Integer, long[]> leaves = new HashMap<>();
            for (io.dialkv.proto.v1.peer.RangeLeaves rl : r.getRangesList()) {
              leaves.put(rl.getRange(), rl.getLeavesList().stream().mapToLong(Long::longValue).toArray());
            }
            return new RangeDigestResponse(r.getNodeId(), leaves);
          },
          reply);
    } else if (request instanceof RangeRowsRequest rows) {
      relay(to, channel,
          stub.rangeRows(io.dialkv.proto.v1.peer.RangeRowsRequest.newBuilder()
              .setFromNodeId(rows.from())
              .addAllLeaves(rows.leaves())
              .setAfterKey(rows.afterKey())
              .setMaxBytes(rows.maxBytes())
              .build()),
          r -> new RangeRowsResponse(r.getNodeId(), ProtoCodec.rowsFromProto(r.getRowsList()), r.getMore(),
              r.getResumeAfter()),
          reply);
    } else if (request instanceof FetchRowsRequest fetch) {
      io.dialkv.proto.v1.peer.FetchRowsRequest.Builder b =
          io.dialkv.proto.v1.peer.FetchRowsRequest.newBuilder()
              .setFromNodeId(fetch.from())
              .setAfterKey(fetch.afterKey())
              .setMaxBytes(fetch.maxBytes());
      fetch.spans().forEach(span -> b.addSpans(
          io.dialkv.proto.v1.peer.TokenSpan.newBuilder().setStart(span.start()).setEnd(span.end())));
      relay(to, channel, stub.fetchRows(b.build()),
          r -> new FetchRowsResponse(r.getNodeId(), ProtoCodec.rowsFromProto(r.getRowsList()), r.getMore(),
              r.getResumeAfter()),
          reply);
    } else if (request instanceof ApplyRowsRequest apply) {
      relay(to, channel,
          stub.applyRows(io.dialkv.proto.v1.peer.ApplyRowsRequest.newBuilder()
              .setFromNodeId(apply.from())
              .addAllRows(ProtoCodec.toProto(apply.rows()))
              .build()),
          r -> new ReplicaWriteResponse(r.getNodeId()),
          reply);
    } else if (request instanceof HeartbeatRequest heartbeat) {
      relay(
          to,
          channel,
          stub.heartbeat(
              io.dialkv.proto.v1.peer.HeartbeatRequest.newBuilder()
                  .setFromNodeId(heartbeat.from())
                  .setClock(ProtoCodec.toProto(heartbeat.clock()))
                  .setMembershipDigest(heartbeat.membershipDigest())
                  .addAllMembers(ProtoCodec.toProto(heartbeat.members()))
                  .build()),
          r -> new HeartbeatResponse(r.getNodeId(), ProtoCodec.fromProto(r.getClock()),
              r.getMembershipDigest(), ProtoCodec.fromProto(r.getMembersList())),
          reply);
    } else {
      reply.completeExceptionally(new PeerFailureException(to, "no encoding for " + request, false));
    }
    return reply;
  }

  private io.dialkv.proto.v1.peer.ReplicaWriteRequest encode(ReplicaWriteRequest write) {
    if (write != lastWrite) {
      lastWriteProto =
          io.dialkv.proto.v1.peer.ReplicaWriteRequest.newBuilder()
              .setFromNodeId(write.from())
              .setKey(write.key())
              .setMutation(ProtoCodec.toProto(write.mutation()))
              .build();
      lastWrite = write;
    }
    return lastWriteProto;
  }

  @SuppressWarnings("unchecked") // each request's reply is mapped to its own response type
  private <P, R extends PeerResponse> void relay(
      int to,
      ManagedChannel channel,
      ListenableFuture<P> call,
      Function<P, ? extends PeerResponse> convert,
      CompletableFuture<R> reply) {
    Futures.addCallback(
        call,
        new FutureCallback<P>() {
          @Override
          public void onSuccess(P response) {
            R converted;
            try {
              converted = (R) convert.apply(response);
            } catch (RuntimeException malformed) {
              // A peer's reply is checked like its requests.
              PeerFailureException failure =
                  new PeerFailureException(to, "malformed reply: " + malformed.getMessage(), true);
              onLoop(() -> reply.completeExceptionally(failure));
              return;
            }
            onLoop(() -> reply.complete(converted));
          }

          @Override
          public void onFailure(Throwable t) {
            Status status = Status.fromThrowable(t);
            PeerFailureException.Refusal refusal = refusal(status, Status.trailersFromThrowable(t));
            if (refusal != null) {
              PeerFailureException failure = PeerFailureException.refusal(to, refusal,
                  status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()));
              onLoop(() -> reply.completeExceptionally(failure));
              return;
            }
            boolean refused =
                status.getCode() == Status.Code.UNAVAILABLE && hasCause(t, ConnectException.class);
            if (status.getCode() == Status.Code.UNAVAILABLE) {
              // A restarted peer should be reachable at the next heartbeat, not after gRPC's
              // exponential reconnect back-off (up to two minutes).
              channel.resetConnectBackoff();
            }
            PeerFailureException failure =
                new PeerFailureException(
                    to,
                    status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription()),
                    !refused);
            onLoop(() -> reply.completeExceptionally(failure));
          }
        },
        MoreExecutors.directExecutor());
  }

  private static final io.grpc.Metadata.Key<String> ERROR_KIND =
      io.grpc.Metadata.Key.of("dialkv-error", io.grpc.Metadata.ASCII_STRING_MARSHALLER);

  /** Whether a failed call was the peer refusing the request (so it did nothing), and why. */
  private static PeerFailureException.Refusal refusal(Status status, io.grpc.Metadata trailers) {
    String kind = trailers == null ? null : trailers.get(ERROR_KIND);
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, RESOURCE_EXHAUSTED -> PeerFailureException.Refusal.INVALID;
      case FAILED_PRECONDITION -> "clock-offset".equals(kind) ? PeerFailureException.Refusal.CLOCK_OFFSET : null;
      case PERMISSION_DENIED, UNAUTHENTICATED -> PeerFailureException.Refusal.NOT_ADMITTED;
      default -> null;
    };
  }

  /** Replies normally arrive on the loop already (channels share it); deadlines may not. */
  private void onLoop(Runnable completion) {
    if (loop.inLoop()) {
      completion.run();
    } else {
      loop.execute(completion);
    }
  }

  private static boolean hasCause(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private ManagedChannel channel(int node) {
    String address = addresses.get(node);
    if (address == null) {
      return null;
    }
    return channels.computeIfAbsent(
        node,
        id ->
            (tls == null ? NettyChannelBuilder.forTarget(address).usePlaintext()
                    : NettyChannelBuilder.forTarget(address, tls.peerChannel(id)))
                .eventLoopGroup(loop.group())
                .channelType(loop.channelType())
                // Failover and retries are decided by dialkv itself, knowing which calls are safe to
                // repeat; gRPC's own retry buffering would only cost CPU.
                .disableRetry()
                .directExecutor()
                .maxInboundMessageSize(maxMessageBytes)
                .build());
  }

  @Override
  public void close() {
    channels.values().forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : channels.values()) {
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
  }
}
