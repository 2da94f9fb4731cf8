package io.dialkv.proxy;

import io.dialkv.client.balancer.BalancedChannel;
import io.dialkv.proto.RawBytes;
import io.dialkv.client.balancer.CallFailure;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.client.balancer.Route;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Grpc;
import io.grpc.HandlerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The standalone balancer in L7 mode: a gRPC server that forwards every call it receives, as
 * bytes, through a {@link BalancedChannel}, so each request is balanced on its own — by the same
 * policies, health checks and ejection as the Java client, token-aware included (the proxy reads
 * the key from the requests it knows). Clients need nothing but plain gRPC: grpcurl, other
 * languages. Reads whose node failed before answering are retried on another node, writes only
 * when they never reached one, as in the Java client.
 */
public final class GrpcProxy implements AutoCloseable {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES = RawBytes.MARSHALLER;
  private static final int MAX_ATTEMPTS = 3;

  private final BalancedChannel backends;
  private final Server server;
  private final Map<String, ServerMethodDefinition<byte[], byte[]>> methods = new ConcurrentHashMap<>();
  private final LongAdder calls = new LongAdder();
  private final LongAdder retried = new LongAdder();

  private GrpcProxy(InetSocketAddress listen, BalancedChannel backends) throws IOException {
    this.backends = backends;
    this.server =
        NettyServerBuilder.forAddress(listen)
            .fallbackHandlerRegistry(new Registry())
            .directExecutor()
            .maxInboundMessageSize(16 << 20)
            .build();
    try {
      server.start();
    } catch (IOException e) {
      if (e instanceof BindException || e.getCause() instanceof BindException) {
        throw new IOException("cannot listen on " + listen + ": address already in use", e);
      }
      throw e;
    }
  }

  /** Starts forwarding calls received on {@code listen} to the nodes behind {@code backends}. */
  public static GrpcProxy start(InetSocketAddress listen, BalancedChannel backends) {
    try {
      return new GrpcProxy(listen, backends);
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
  }

  public int port() {
    return server.getPort();
  }

  /** What the balancer sees of each node, with the requests it sent each. */
  public List<NodeStats> nodes() {
    return backends.nodes();
  }

  /** Calls received, and calls repeated on another node after their first node failed. */
  public long calls() {
    return calls.sum();
  }

  public long retried() {
    return retried.sum();
  }

  @Override
  public void close() {
    server.shutdown();
    try {
      if (!server.awaitTermination(2, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
    backends.close();
  }

  /** Knows every method: whatever the nodes serve, the proxy forwards. */
  private final class Registry extends HandlerRegistry {
    @Override
    public ServerMethodDefinition<?, ?> lookupMethod(String methodName, String authority) {
      return methods.computeIfAbsent(
          methodName,
          name ->
              ServerMethodDefinition.create(
                  MethodDescriptor.newBuilder(BYTES, BYTES)
                      .setFullMethodName(name)
                      .setType(MethodDescriptor.MethodType.UNKNOWN)
                      .build(),
                  new Forwarder()));
    }
  }

  private final class Forwarder implements ServerCallHandler<byte[], byte[]> {
    @Override
    public ServerCall.Listener<byte[]> startCall(ServerCall<byte[], byte[]> call, Metadata headers) {
      calls.increment();
      ProxiedCall proxied = new ProxiedCall(call, headers, Context.current().getDeadline());
      call.request(1);
      return proxied;
    }
  }

  /**
   * One call from a client and its forwarded counterpart. The upstream call starts at the first
   * request message (its key decides the route). Both sides' callbacks take the lock: the client
   * side runs on the proxy's server threads, the node side on the balanced channel's I/O thread,
   * and a ServerCall must not be used from two threads at once.
   */
  private final class ProxiedCall extends ServerCall.Listener<byte[]> {
    private final ServerCall<byte[], byte[]> downstream;
    private final Metadata headers;
    private final Deadline deadline;
    private final String method;
    private final String clientIp;
    private final Set<String> tried = new HashSet<>();
    private ClientCall<byte[], byte[]> upstream;
    private Route route;
    private byte[] firstMessage;
    private int messages;
    private int attempts;
    private boolean halfClosed;
    private boolean responseStarted;
    private boolean done;

    ProxiedCall(ServerCall<byte[], byte[]> downstream, Metadata headers, Deadline deadline) {
      this.downstream = downstream;
      this.headers = forwardable(headers);
      this.deadline = deadline;
      this.method = downstream.getMethodDescriptor().getFullMethodName();
      SocketAddress remote = downstream.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      this.clientIp =
          remote instanceof InetSocketAddress inet && inet.getAddress() != null
              ? inet.getAddress().getHostAddress()
              : String.valueOf(remote);
    }

    @Override
    public synchronized void onMessage(byte[] message) {
      messages++;
      if (upstream == null) {
        firstMessage = message;
        startUpstream();
      } else {
        upstream.sendMessage(message);
      }
      downstream.request(1);
    }

    @Override
    public synchronized void onHalfClose() {
      halfClosed = true;
      if (upstream == null) {
        startUpstream();
      } else {
        upstream.halfClose();
      }
    }

    @Override
    public synchronized void onCancel() {
      done = true;
      if (upstream != null) {
        upstream.cancel("the client cancelled the call", null);
      }
    }

    private void startUpstream() {
      attempts++;
      String key = firstMessage == null ? null : RoutingKeys.keyOf(method, firstMessage);
      route = new Route(key, tried, clientIp);
      CallOptions options = CallOptions.DEFAULT.withOption(Route.KEY, route);
      if (deadline != null) {
        options = options.withDeadline(deadline);
      }
      ClientCall<byte[], byte[]> call =
          backends.channel().newCall(downstream.getMethodDescriptor(), options);
      upstream = call;
      call.start(new Upstream(call, route), copyOf(headers));
      call.request(1);
      if (firstMessage != null) {
        call.sendMessage(firstMessage);
      }
      if (halfClosed) {
        call.halfClose();
      }
    }

    private final class Upstream extends ClientCall.Listener<byte[]> {
      private final ClientCall<byte[], byte[]> call;
      private final Route attemptRoute;

      Upstream(ClientCall<byte[], byte[]> call, Route attemptRoute) {
        this.call = call;
        this.attemptRoute = attemptRoute;
      }

      @Override
      public void onHeaders(Metadata responseHeaders) {
        synchronized (ProxiedCall.this) {
          if (call != upstream || done) {
            return;
          }
          responseStarted = true;
          downstream.sendHeaders(responseHeaders);
        }
      }

      @Override
      public void onMessage(byte[] message) {
        synchronized (ProxiedCall.this) {
          if (call != upstream || done) {
            return;
          }
          if (!responseStarted) {
            responseStarted = true;
            downstream.sendHeaders(new Metadata());
          }
          downstream.sendMessage(message);
          call.request(1);
        }
      }

      @Override
      public void onClose(Status status, Metadata trailers) {
        synchronized (ProxiedCall.this) {
          if (call != upstream || done) {
            return;
          }
          if (mayRetry(status, trailers)) {
            retried.increment();
            tried.add(attemptRoute.chosen().address());
            startUpstream();
            return;
          }
          done = true;
          downstream.close(status, trailers);
        }
      }

      /**
       * The node failed at the connection level before answering, the call carried at most its
       * first message, and repeating it is safe: it only reads, or it never reached the node.
       */
      private boolean mayRetry(Status status, Metadata trailers) {
        if (responseStarted || messages > 1 || attempts >= MAX_ATTEMPTS || attemptRoute.chosen() == null) {
          return false;
        }
        String kind = CallFailure.kind(trailers);
        boolean neverProcessed = !attemptRoute.sent() || CallFailure.refusedByNode(kind);
        return (CallFailure.brokenConnection(status.getCode(), kind)
                || CallFailure.failedBeforeSending(attemptRoute, status.getCode()))
            && (RoutingKeys.isRead(method) || neverProcessed)
            && (deadline == null || !deadline.isExpired());
      }
    }
  }

  /** The client's headers minus those the transport sets itself. */
  private static Metadata forwardable(Metadata headers) {
    Metadata copy = new Metadata();
    for (String name : headers.keys()) {
      String n = name.toLowerCase(Locale.ROOT);
      if (n.startsWith(":") || n.startsWith("grpc-") || n.equals("user-agent") || n.equals("content-type")
          || n.equals("te") || n.equals("host")) {
        continue;
      }
      if (n.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
        Metadata.Key<byte[]> key = Metadata.Key.of(n, Metadata.BINARY_BYTE_MARSHALLER);
        for (byte[] v : headers.getAll(key)) {
          copy.put(key, v);
        }
      } else {
        Metadata.Key<String> key = Metadata.Key.of(n, Metadata.ASCII_STRING_MARSHALLER);
        for (String v : headers.getAll(key)) {
          copy.put(key, v);
        }
      }
    }
    return copy;
  }

  private static Metadata copyOf(Metadata headers) {
    Metadata copy = new Metadata();
    copy.merge(headers);
    return copy;
  }
}
