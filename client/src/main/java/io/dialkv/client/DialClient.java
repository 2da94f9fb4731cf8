package io.dialkv.client;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.CompareAndSetRequest;
import io.dialkv.proto.v1.CompareAndSetResponse;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.DeleteProfileRequest;
import io.dialkv.proto.v1.DeleteProfileResponse;
import io.dialkv.proto.v1.DeleteRequest;
import io.dialkv.proto.v1.DeleteResponse;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.GetProfileRequest;
import io.dialkv.proto.v1.GetProfileResponse;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.Profile;
import io.dialkv.proto.v1.PutProfileRequest;
import io.dialkv.proto.v1.PutProfileResponse;
import io.dialkv.proto.v1.PutRequest;
import io.dialkv.proto.v1.PutResponse;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.dialkv.proto.v1.UpdateProfileRequest;
import io.dialkv.proto.v1.UpdateProfileResponse;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;

/**
 * A client of a dialkv cluster. Any node can serve any request, so the client spreads requests
 * over the endpoints it was given in turn, and when an endpoint cannot be reached it fails over to
 * the next one. A write moves to another node only when the failure proves it was never sent (the
 * connection was refused); a connection that broke during a write makes it indeterminate. Reads
 * also fail over on a broken connection. A cluster-side answer (too few replicas, a timeout after
 * a write was sent) is returned as is.
 *
 * <p>Every call takes the consistency level for that request. Blocking calls throw {@link
 * DialException}; the {@code …Async} calls fail their futures with it. The futures complete on the
 * client's single I/O thread: do not block in their callbacks (use the {@code …Async} methods of
 * {@link CompletableFuture} with an executor of your own for slow work). Thread-safe; create one
 * per application and close it at the end.
 *
 * <pre>{@code
 * try (DialClient client = DialClient.builder().endpoints("127.0.0.1:7101,127.0.0.1:7102").build()) {
 *   client.put("greeting", "hello".getBytes(UTF_8), Consistency.QUORUM);
 *   GetResponse r = client.get("greeting", Consistency.ONE, true);
 * }
 * }</pre>
 */
public final class DialClient implements AutoCloseable {
  private static final Metadata.Key<String> ERROR_KIND =
      Metadata.Key.of("dialkv-error", Metadata.ASCII_STRING_MARSHALLER);

  private final List<String> endpoints;
  private final List<ManagedChannel> channels;
  private final Duration timeout;
  private final AtomicInteger next = new AtomicInteger();
  private final EventLoopGroup ioThread;

  private DialClient(Builder builder) {
    this.endpoints = List.copyOf(builder.endpoints);
    this.timeout = builder.timeout;
    // All connections share one I/O thread: a reply on one connection that triggers a request on
    // another then costs no thread hand-off, which is most of a request's cost on a small machine.
    ThreadFactory daemon =
        r -> {
          Thread t = new Thread(r, "dialkv-client-io");
          t.setDaemon(true);
          return t;
        };
    boolean epoll = Epoll.isAvailable();
    this.ioThread = epoll ? new EpollEventLoopGroup(1, daemon) : new NioEventLoopGroup(1, daemon);
    List<ManagedChannel> list = new ArrayList<>();
    for (String endpoint : endpoints) {
      list.add(
          NettyChannelBuilder.forTarget(endpoint)
              .eventLoopGroup(ioThread)
              .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
              .usePlaintext()
              // Failover and retries are decided by dialkv itself, knowing which calls are safe to
              // repeat; gRPC's own retry buffering would only cost CPU.
              .disableRetry()
              // Callbacks only complete futures; running them on the transport thread saves a hop.
              .directExecutor()
              .maxInboundMessageSize(builder.maxMessageBytes)
              .build());
    }
    this.channels = List.copyOf(list);
  }

  /** Starts configuring a client. */
  public static Builder builder() {
    return new Builder();
  }

  /** The endpoints this client uses, in the order given. */
  public List<String> endpoints() {
    return endpoints;
  }

  // ---- keys --------------------------------------------------------------------------------

  /** Reads a key. With {@code trace}, the provenance also shows replicas that did not count. */
  public GetResponse get(String key, Consistency level, boolean trace) {
    return join(getAsync(key, level, trace));
  }

  public CompletableFuture<GetResponse> getAsync(String key, Consistency level, boolean trace) {
    GetRequest request =
        GetRequest.newBuilder().setKey(key).setConsistency(level).setTrace(trace).build();
    return call(true, (ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).get(request));
  }

  /** Writes a key's value. */
  public PutResponse put(String key, byte[] value, Consistency level) {
    return join(putAsync(key, value, level));
  }

  public CompletableFuture<PutResponse> putAsync(String key, byte[] value, Consistency level) {
    PutRequest request =
        PutRequest.newBuilder()
            .setKey(key)
            .setValue(ByteString.copyFrom(value))
            .setConsistency(level)
            .build();
    return call((ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).put(request));
  }

  /**
   * Linearizable compare-and-set: sets {@code newValue} only if the key holds {@code expected}, or
   * is absent when {@code expected} is null. Always a Paxos round among the key's replicas.
   */
  public CompareAndSetResponse compareAndSet(String key, byte[] expected, byte[] newValue) {
    return join(compareAndSetAsync(key, expected, newValue));
  }

  public CompletableFuture<CompareAndSetResponse> compareAndSetAsync(String key, byte[] expected, byte[] newValue) {
    CompareAndSetRequest.Builder b =
        CompareAndSetRequest.newBuilder().setKey(key).setNewValue(ByteString.copyFrom(newValue));
    if (expected == null) {
      b.setExpectAbsent(true);
    } else {
      b.setExpected(ByteString.copyFrom(expected));
    }
    CompareAndSetRequest request = b.build();
    return call((ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).compareAndSet(request));
  }

  /** Deletes a key (writes a tombstone). */
  public DeleteResponse delete(String key, Consistency level) {
    DeleteRequest request = DeleteRequest.newBuilder().setKey(key).setConsistency(level).build();
    return join(call((ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).delete(request)));
  }

  // ---- profiles ----------------------------------------------------------------------------

  /** Reads a user's profile; {@code found} is false if the user has none. */
  public GetProfileResponse getProfile(String userId, Consistency level, boolean trace) {
    GetProfileRequest request =
        GetProfileRequest.newBuilder()
            .setUserId(userId)
            .setConsistency(level)
            .setTrace(trace)
            .build();
    return join(
        call(true, (ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).getProfile(request)));
  }

  /** Replaces a user's whole profile: fields not given are removed. */
  public PutProfileResponse putProfile(Profile profile, Consistency level) {
    PutProfileRequest request =
        PutProfileRequest.newBuilder().setProfile(profile).setConsistency(level).build();
    return join(
        call((ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).putProfile(request)));
  }

  /**
   * Sets and removes some of a profile's fields; the others keep their values.
   *
   * @param set field name (display_name, email, bio, attributes.NAME) to value
   * @param unset field names to remove
   */
  public UpdateProfileResponse updateProfile(
      String userId, Map<String, String> set, List<String> unset, Consistency level) {
    UpdateProfileRequest request =
        UpdateProfileRequest.newBuilder()
            .setUserId(userId)
            .putAllSet(set)
            .addAllUnset(unset)
            .setConsistency(level)
            .build();
    return join(
        call((ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).updateProfile(request)));
  }

  /** Deletes a user's profile. */
  public DeleteProfileResponse deleteProfile(String userId, Consistency level) {
    DeleteProfileRequest request =
        DeleteProfileRequest.newBuilder().setUserId(userId).setConsistency(level).build();
    return join(
        call((ch, d) -> DialKvGrpc.newFutureStub(ch).withDeadline(d).deleteProfile(request)));
  }

  // ---- cluster -----------------------------------------------------------------------------

  /** The cluster as the first reachable endpoint sees it. */
  public TopologyResponse topology() {
    return join(
        call(true, (ch, d) ->
            ClusterGrpc.newFutureStub(ch).withDeadline(d).topology(TopologyRequest.getDefaultInstance())));
  }

  /** The cluster as one particular endpoint sees it, without failing over. */
  public TopologyResponse topology(String endpoint) {
    int index = endpoints.indexOf(endpoint);
    if (index < 0) {
      throw new IllegalArgumentException(endpoint + " is not one of this client's endpoints");
    }
    CompletableFuture<TopologyResponse> result = new CompletableFuture<>();
    attempt(
        index,
        1,
        true,
        deadline(),
        (ch, d) ->
            ClusterGrpc.newFutureStub(ch).withDeadline(d).topology(TopologyRequest.getDefaultInstance()),
        result,
        new ArrayList<>());
    return join(result);
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private Deadline deadline() {
    return Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Sends to the next endpoint in turn, failing over to the others if it cannot be reached. */
  private <T> CompletableFuture<T> call(
      BiFunction<ManagedChannel, Deadline, ListenableFuture<T>> rpc) {
    return call(false, rpc);
  }

  /**
   * @param idempotent whether the call may be repeated on another node after a connection broke
   *     during it (reads); otherwise only a refused connection, which proves the request was
   *     never sent, moves it to another node
   */
  private <T> CompletableFuture<T> call(
      boolean idempotent, BiFunction<ManagedChannel, Deadline, ListenableFuture<T>> rpc) {
    CompletableFuture<T> result = new CompletableFuture<>();
    int start = Math.floorMod(next.getAndIncrement(), channels.size());
    attempt(start, channels.size(), idempotent, deadline(), rpc, result, new ArrayList<>());
    return result;
  }

  private <T> void attempt(
      int index,
      int triesLeft,
      boolean idempotent,
      Deadline deadline,
      BiFunction<ManagedChannel, Deadline, ListenableFuture<T>> rpc,
      CompletableFuture<T> result,
      List<String> unreachable) {
    ManagedChannel channel = channels.get(index);
    ListenableFuture<T> call;
    try {
      call = rpc.apply(channel, deadline);
    } catch (RuntimeException e) {
      result.completeExceptionally(translate(e, endpoints.get(index)));
      return;
    }
    Futures.addCallback(
        call,
        new FutureCallback<T>() {
          @Override
          public void onSuccess(T value) {
            result.complete(value);
          }

          @Override
          public void onFailure(Throwable t) {
            Status status = Status.fromThrowable(t);
            boolean lostMidCall = connectionProblem(t, status) && !connectionRefused(t);
            if (lostMidCall && !idempotent) {
              channel.resetConnectBackoff();
              result.completeExceptionally(new DialException(DialException.Kind.INDETERMINATE, status.getCode(),
                  "the connection to " + endpoints.get(index) + " broke during the call (" + describe(status)
                      + "); the request may have been applied",
                  t));
              return;
            }
            if (connectionProblem(t, status) && triesLeft > 1) {
              // A node that died comes back as soon as it listens again, not after gRPC's back-off.
              channel.resetConnectBackoff();
              unreachable.add(endpoints.get(index) + " (" + status.getCode() + ")");
              attempt((index + 1) % channels.size(), triesLeft - 1, idempotent, deadline, rpc, result, unreachable);
              return;
            }
            if (connectionProblem(t, status)) {
              channel.resetConnectBackoff();
              unreachable.add(endpoints.get(index) + " (" + describe(status) + ")");
              result.completeExceptionally(
                  new DialException(
                      DialException.Kind.NO_ENDPOINT,
                      status.getCode(),
                      "no dialkv node reachable: " + String.join(", ", unreachable),
                      t));
              return;
            }
            result.completeExceptionally(translate(t, endpoints.get(index)));
          }
        },
        MoreExecutors.directExecutor());
  }

  /** A refused TCP connection: the request certainly never reached the node. */
  private static boolean connectionRefused(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof java.net.ConnectException) {
        return true;
      }
    }
    Metadata trailers = Status.trailersFromThrowable(t);
    return trailers != null && "shutting-down".equals(trailers.get(ERROR_KIND));
  }

  /**
   * UNAVAILABLE without dialkv's error trailer is a connection-level failure (refused, or broken
   * during the call), as is a node that answered that it is shutting down.
   */
  private static boolean connectionProblem(Throwable t, Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return false;
    }
    Metadata trailers = Status.trailersFromThrowable(t);
    String kind = trailers == null ? null : trailers.get(ERROR_KIND);
    return kind == null || kind.equals("shutting-down");
  }

  private static DialException translate(Throwable t, String endpoint) {
    if (t instanceof DialException d) {
      return d;
    }
    Status status = Status.fromThrowable(t);
    Metadata trailers = Status.trailersFromThrowable(t);
    String kind = trailers == null ? null : trailers.get(ERROR_KIND);
    DialException.Kind k;
    if (kind == null) {
      k = status.getCode() == Status.Code.DEADLINE_EXCEEDED
          ? DialException.Kind.DEADLINE
          : status.getCode() == Status.Code.INVALID_ARGUMENT
              || status.getCode() == Status.Code.RESOURCE_EXHAUSTED
              ? DialException.Kind.INVALID_ARGUMENT
              : DialException.Kind.OTHER;
    } else {
      k = switch (kind) {
        case "invalid-argument" -> DialException.Kind.INVALID_ARGUMENT;
        case "unavailable" -> DialException.Kind.UNAVAILABLE;
        case "indeterminate" -> DialException.Kind.INDETERMINATE;
        case "read-failed" -> DialException.Kind.READ_FAILED;
        case "contention" -> DialException.Kind.CONTENTION;
        default -> DialException.Kind.OTHER;
      };
    }
    return new DialException(k, status.getCode(), describe(status) + " (via " + endpoint + ")", t);
  }

  private static String describe(Status status) {
    return status.getCode() + (status.getDescription() == null ? "" : ": " + status.getDescription());
  }

  private static <T> T join(CompletableFuture<T> future) {
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof DialException d) {
        throw d;
      }
      throw e;
    }
  }

  /** Closes every connection. */
  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdown);
    for (ManagedChannel channel : channels) {
      try {
        if (!channel.awaitTermination(2, TimeUnit.SECONDS)) {
          channel.shutdownNow();
        }
      } catch (InterruptedException e) {
        channel.shutdownNow();
        Thread.currentThread().interrupt();
      }
    }
    ioThread.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }

  /** Configures a {@link DialClient}. */
  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private Duration timeout = Duration.ofSeconds(5);
    private int maxMessageBytes = 8 << 20;

    private Builder() {}

    /** Adds endpoints as host:port. */
    public Builder endpoints(List<String> hostPorts) {
      for (String e : hostPorts) {
        String trimmed = e.trim();
        if (!trimmed.isEmpty()) {
          endpoints.add(trimmed);
        }
      }
      return this;
    }

    /** Adds comma-separated host:port endpoints. */
    public Builder endpoints(String commaSeparated) {
      return endpoints(List.of(commaSeparated.split(",")));
    }

    /** How long one request may take, failover included (default 5 s). */
    public Builder timeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    public DialClient build() {
      if (endpoints.isEmpty()) {
        throw new IllegalArgumentException("give at least one endpoint (host:port)");
      }
      for (String e : endpoints) {
        int colon = e.lastIndexOf(':');
        if (colon <= 0 || colon == e.length() - 1 || !e.substring(colon + 1).chars().allMatch(Character::isDigit)) {
          throw new IllegalArgumentException("endpoint '" + e + "' is not host:port");
        }
      }
      return new DialClient(this);
    }
  }
}
