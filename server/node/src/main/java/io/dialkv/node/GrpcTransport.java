package io.dialkv.node;

import io.dialkv.core.transport.PeerFailureException;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.PeerResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.Transport;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import io.dialkv.security.Tls;
import io.dialkv.wire.PeerCodec;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The {@link Transport} between node processes: one {@code dialkv.v1.peer.Peer/Exchange} stream to
 * each peer ({@link PeerLink}), each on a channel of its own, all on the node's own event loop, so
 * replies arrive where the core runs. Messages are encoded in {@link PeerCodec}.
 */
public final class GrpcTransport implements Transport {
  // Replaced as members join and leave; read on any thread.
  private volatile Map<Integer, String> addresses;
  private final EventLoopScheduler loop;
  private final int maxMessageBytes;
  private final LinkRules links;
  // One stream to each peer, on a channel of its own; created on first use.
  private final Map<Integer, PeerLink> peers = new ConcurrentHashMap<>();
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
        PeerLink old = peers.remove(id);
        if (old != null) {
          onLoop(old::close);
          old.channel().shutdownNow();
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

  @SuppressWarnings("unchecked") // each request's answer is of its own response type
  private <R extends PeerResponse> CompletableFuture<R> sendOutsideCallContext(
      int to, PeerRequest<R> request, Duration timeout) {
    CompletableFuture<R> reply = new CompletableFuture<>();
    if (links.blocks(to)) {
      // A cut link: nothing is sent and nothing comes back; the sender learns only by timing out.
      loop.schedule(timeout, () -> reply.completeExceptionally(
          new PeerFailureException(to, "timed out after " + timeout.toMillis() + " ms (link cut)", true)));
      return reply;
    }
    PeerLink link = link(to);
    if (link == null) {
      reply.completeExceptionally(new PeerFailureException(to, "unknown node", false));
      return reply;
    }
    Duration delay = links.delay();
    if (delay.isZero()) {
      link.send(encode(request), (CompletableFuture<PeerResponse>) reply, timeout);
      return reply;
    }
    // Far-away peers, emulated: the message leaves after the delay, its answer arrives a delay
    // after it came, and all of it within the caller's timeout, as the Transport contract says.
    PeerEnvelope.Builder body = encode(request);
    Duration rest = timeout.minus(delay.multipliedBy(2));
    CompletableFuture<PeerResponse> answer = new CompletableFuture<>();
    if (rest.isNegative() || rest.isZero()) {
      loop.schedule(timeout, () -> reply.completeExceptionally(new PeerFailureException(to,
          "DEADLINE_EXCEEDED: a round trip takes " + delay.multipliedBy(2).toMillis() + " ms (--link-delay-ms), "
              + "longer than the timeout of " + timeout.toMillis() + " ms", false)));
      return reply;
    }
    loop.schedule(delay, () -> link.send(body, answer, rest));
    answer.whenComplete((r, failure) -> loop.schedule(delay, () -> {
      if (failure != null) {
        reply.completeExceptionally(failure);
      } else {
        reply.complete((R) r);
      }
    }));
    return reply;
  }

  private PeerEnvelope.Builder encode(PeerRequest<?> request) {
    if (request instanceof ReplicaWriteRequest write) {
      // A coordinator sends the same write to every replica: encode its body once.
      if (write != lastWrite) {
        lastWriteProto = PeerCodec.encodeWrite(write);
        lastWrite = write;
      }
      return PeerEnvelope.newBuilder().setWrite(lastWriteProto);
    }
    return PeerCodec.encode(request);
  }

  private PeerLink link(int node) {
    String address = addresses.get(node);
    if (address == null) {
      return null;
    }
    return peers.computeIfAbsent(node, id -> new PeerLink(id, channel(id, address), loop, maxMessageBytes,
        Math.max(4L * maxMessageBytes, 16L << 20)));
  }

  private void onLoop(Runnable task) {
    if (loop.inLoop()) {
      task.run();
    } else {
      loop.execute(task);
    }
  }

  private ManagedChannel channel(int id, String address) {
    return (tls == null ? NettyChannelBuilder.forTarget(address).usePlaintext()
                    : NettyChannelBuilder.forTarget(address, tls.peerChannel(id)))
                .eventLoopGroup(loop.group())
                .channelType(loop.channelType())
                // Failover and retries are decided by dialkv itself, knowing which calls are safe to
                // repeat; gRPC's own retry buffering would only cost CPU.
                .disableRetry()
                .directExecutor()
                .maxInboundMessageSize(maxMessageBytes)
                .build();
  }

  @Override
  public void close() {
    // Ends each stream (a stream never ends by itself), which fails what is unanswered on it.
    peers.values().forEach(p -> p.channel().shutdownNow());
    for (PeerLink peer : peers.values()) {
      ManagedChannel channel = peer.channel();
      try {
        channel.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
