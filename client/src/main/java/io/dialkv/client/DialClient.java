package io.dialkv.client;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import com.google.protobuf.ByteString;
import io.dialkv.client.auth.DialCredentials;
import io.dialkv.client.balancer.BalancedChannel;
import io.dialkv.client.balancer.BalancerConfig;
import io.dialkv.client.balancer.BalancerPolicy;
import io.dialkv.client.balancer.CallFailure;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.client.balancer.Route;
import io.dialkv.core.data.ProfileSchema;
import io.dialkv.proto.v1.AdminGrpc;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.CompareAndSetRequest;
import io.dialkv.proto.v1.CompareAndSetResponse;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.DecommissionRequest;
import io.dialkv.proto.v1.DeleteProfileRequest;
import io.dialkv.proto.v1.DeleteProfileResponse;
import io.dialkv.proto.v1.DeleteRequest;
import io.dialkv.proto.v1.DeleteResponse;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.GetProfileRequest;
import io.dialkv.proto.v1.GetProfileResponse;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.HintsRequest;
import io.dialkv.proto.v1.HintsResponse;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.MembershipChangeResponse;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.Profile;
import io.dialkv.proto.v1.PutProfileRequest;
import io.dialkv.proto.v1.PutProfileResponse;
import io.dialkv.proto.v1.PutRequest;
import io.dialkv.proto.v1.PutResponse;
import io.dialkv.proto.v1.RemoveNodeRequest;
import io.dialkv.proto.v1.RepairRequest;
import io.dialkv.proto.v1.RepairResponse;
import io.dialkv.proto.v1.SetLinkRulesRequest;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.dialkv.proto.v1.UpdateProfileRequest;
import io.dialkv.proto.v1.UpdateProfileResponse;
import io.grpc.CallOptions;
import io.grpc.Deadline;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

/**
 * A client of a dialkv cluster. From the endpoints it is given (seeds) it learns every node and
 * the token ring, keeps one connection per node, follows each node's health, and sends each
 * request to a node chosen by its {@link BalancerPolicy} — by default to the healthy replica of
 * the request's key with the fewest requests in flight, which saves the coordinator a network hop.
 * Nodes that fail requests repeatedly are ejected for a while; nodes that die are routed around
 * and used again once they are back.
 *
 * <p>When a request fails because of the node (its connection broke, it was shutting down), the
 * client decides whether repeating it elsewhere is safe: a read is retried on another node within
 * the request's deadline; a write only when the failure proves it never left the client (its
 * headers never reached the node's connection, or the node refused it while shutting down). A
 * write whose connection broke after it was sent is {@link DialException.Kind#INDETERMINATE}. A
 * cluster-side answer (too few replicas, a timeout after a write was sent) is returned as is.
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
  // Attempts of one request, the first included; each retry avoids every node tried before.
  private static final int MAX_ATTEMPTS = 4;

  private final List<String> endpoints;
  private final Duration timeout;
  private final BalancerPolicy policy;
  private final BalancedChannel balanced;
  private final ManagedChannel channel;
  private final DialCredentials credentials;

  private DialClient(Builder builder) {
    this.endpoints = List.copyOf(builder.endpoints);
    this.timeout = builder.timeout;
    this.policy = builder.policy;
    this.credentials = builder.credentials;
    String clientId = builder.clientId != null ? builder.clientId : defaultClientId();
    this.balanced =
        new BalancedChannel(
            endpoints,
            BalancerConfig.defaults(clientId).withPolicy(builder.policy).withLimitInFlight(builder.limitInFlight),
            builder.discover,
            builder.refreshInterval,
            builder.maxMessageBytes,
            builder.credentials);
    this.channel = balanced.channel();
  }

  /** Starts configuring a client. */
  public static Builder builder() {
    return new Builder();
  }

  /** The endpoints this client was given, in that order. */
  public List<String> endpoints() {
    return endpoints;
  }

  /** The balancing policy in use. */
  public BalancerPolicy balancer() {
    return policy;
  }

  /**
   * What the balancer sees now: every node it knows, its state, requests in flight, and how many
   * requests it has been sent by this client.
   */
  public List<NodeStats> nodes() {
    return balanced.nodes();
  }

  // ---- keys --------------------------------------------------------------------------------

  /** Reads a key. With {@code trace}, the provenance also shows replicas that did not count. */
  public GetResponse get(String key, Consistency level, boolean trace) {
    return join(getAsync(key, level, trace));
  }

  /** Reads a key; see {@link #get}. */
  public CompletableFuture<GetResponse> getAsync(String key, Consistency level, boolean trace) {
    GetRequest request =
        GetRequest.newBuilder().setKey(key).setConsistency(level).setTrace(trace).build();
    return call(DialKvGrpc.getGetMethod(), request, key, true, level == Consistency.LINEARIZABLE);
  }

  /** Writes a key's value. */
  public PutResponse put(String key, byte[] value, Consistency level) {
    return join(putAsync(key, value, level));
  }

  /** Writes a key's value; see {@link #put}. */
  public CompletableFuture<PutResponse> putAsync(String key, byte[] value, Consistency level) {
    PutRequest request =
        PutRequest.newBuilder()
            .setKey(key)
            .setValue(ByteString.copyFrom(value))
            .setConsistency(level)
            .build();
    return call(DialKvGrpc.getPutMethod(), request, key, false, level == Consistency.LINEARIZABLE);
  }

  /**
   * Linearizable compare-and-set: sets {@code newValue} only if the key holds {@code expected}, or
   * is absent when {@code expected} is null. Always a Paxos round among the key's replicas.
   */
  public CompareAndSetResponse compareAndSet(String key, byte[] expected, byte[] newValue) {
    return join(compareAndSetAsync(key, expected, newValue));
  }

  /** Compare-and-set; see {@link #compareAndSet}. */
  public CompletableFuture<CompareAndSetResponse> compareAndSetAsync(
      String key, byte[] expected, byte[] newValue) {
    CompareAndSetRequest.Builder b =
        CompareAndSetRequest.newBuilder().setKey(key).setNewValue(ByteString.copyFrom(newValue));
    if (expected == null) {
      b.setExpectAbsent(true);
    } else {
      b.setExpected(ByteString.copyFrom(expected));
    }
    return call(DialKvGrpc.getCompareAndSetMethod(), b.build(), key, false, true);
  }

  /** Deletes a key (writes a tombstone). */
  public DeleteResponse delete(String key, Consistency level) {
    DeleteRequest request = DeleteRequest.newBuilder().setKey(key).setConsistency(level).build();
    return join(call(DialKvGrpc.getDeleteMethod(), request, key, false, level == Consistency.LINEARIZABLE));
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
    return join(call(DialKvGrpc.getGetProfileMethod(), request, ProfileSchema.rowKey(userId), true,
        level == Consistency.LINEARIZABLE));
  }

  /** Replaces a user's whole profile: fields not given are removed. */
  public PutProfileResponse putProfile(Profile profile, Consistency level) {
    PutProfileRequest request =
        PutProfileRequest.newBuilder().setProfile(profile).setConsistency(level).build();
    return join(
        call(DialKvGrpc.getPutProfileMethod(), request, ProfileSchema.rowKey(profile.getUserId()), false,
            level == Consistency.LINEARIZABLE));
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
    return join(call(DialKvGrpc.getUpdateProfileMethod(), request, ProfileSchema.rowKey(userId), false,
        level == Consistency.LINEARIZABLE));
  }

  /** Deletes a user's profile. */
  public DeleteProfileResponse deleteProfile(String userId, Consistency level) {
    DeleteProfileRequest request =
        DeleteProfileRequest.newBuilder().setUserId(userId).setConsistency(level).build();
    return join(call(DialKvGrpc.getDeleteProfileMethod(), request, ProfileSchema.rowKey(userId), false,
        level == Consistency.LINEARIZABLE));
  }

  // ---- cluster -----------------------------------------------------------------------------

  /** The cluster as some reachable node sees it. */
  public TopologyResponse topology() {
    return join(call(ClusterGrpc.getTopologyMethod(), TopologyRequest.getDefaultInstance(), null, true));
  }

  /** The cluster as one particular node (host:port) sees it, without failing over. */
  public TopologyResponse topology(String endpoint) {
    return direct(endpoint, ClusterGrpc.getTopologyMethod(), TopologyRequest.getDefaultInstance());
  }

  /**
   * Makes one node (host:port) drop its traffic with the given peers, or with none: the fault
   * the partition tests inject. A node serves it only when started with {@code --test-mode}, and
   * only to the admin role.
   */
  public void blockPeers(String endpoint, Collection<Integer> peers) {
    direct(endpoint, AdminGrpc.getSetLinkRulesMethod(),
        SetLinkRulesRequest.newBuilder().addAllBlockedPeers(peers).build());
  }

  /** The hints one particular node (host:port) keeps for replicas that missed writes. */
  public HintsResponse hints(String endpoint) {
    return direct(endpoint, ClusterGrpc.getHintsMethod(), HintsRequest.getDefaultInstance());
  }

  /**
   * Runs anti-entropy repair on one node (host:port): its replicas of every range it holds are
   * compared by Merkle trees and brought to agreement. Blocks until done, up to {@code limit}.
   */
  public RepairResponse repair(String endpoint, Duration limit) {
    return direct(endpoint, ClusterGrpc.getRepairMethod(), RepairRequest.getDefaultInstance(),
        Deadline.after(limit.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * Decommissions a node: it streams its ranges to their next owners and leaves the cluster (its
   * process then stops). Sent to the node itself, found by its id in the topology. Blocks until
   * done, up to {@code limit}.
   *
   * @throws DialException of kind {@link DialException.Kind#REFUSED} if the cluster cannot lose
   *     the node now (too few nodes would remain for the replication factor, another member is
   *     joining or leaving, a node is down), with the reason
   */
  public MembershipChangeResponse decommission(int nodeId, Duration limit) {
    return direct(addressOf(nodeId), ClusterGrpc.getDecommissionMethod(),
        DecommissionRequest.newBuilder().setNodeId(nodeId).build(),
        Deadline.after(limit.toNanos(), TimeUnit.NANOSECONDS));
  }

  /**
   * Removes a dead node: a live node copies its ranges from their surviving replicas to their next
   * owners, then the node is out of the ring. Blocks until done, up to {@code limit}.
   *
   * @throws DialException of kind {@link DialException.Kind#REFUSED} if the node is up (decommission
   *     it instead), unknown, or cannot be spared
   */
  public MembershipChangeResponse removeNode(int nodeId, Duration limit) {
    TopologyResponse topology = topology();
    String via = topology.getNodesList().stream()
        .filter(n -> n.getNodeId() != nodeId && n.getLiveness() == Liveness.UP)
        .map(NodeInfo::getAddress)
        .findFirst()
        .orElseThrow(() -> new DialException(DialException.Kind.NO_ENDPOINT, Status.Code.UNAVAILABLE,
            "no live node to run the removal of n" + nodeId, null));
    return direct(via, ClusterGrpc.getRemoveNodeMethod(),
        RemoveNodeRequest.newBuilder().setNodeId(nodeId).build(),
        Deadline.after(limit.toNanos(), TimeUnit.NANOSECONDS));
  }

  /** The address of a member, from the topology of a reachable node. */
  private String addressOf(int nodeId) {
    TopologyResponse topology = topology();
    return topology.getNodesList().stream()
        .filter(n -> n.getNodeId() == nodeId)
        .map(NodeInfo::getAddress)
        .findFirst()
        .orElseThrow(() -> new DialException(DialException.Kind.REFUSED, Status.Code.FAILED_PRECONDITION,
            "n" + nodeId + " is not a member; members are "
                + topology.getNodesList().stream().map(n -> "n" + n.getNodeId()).toList(), null));
  }

  private <Q, R> R direct(String endpoint, MethodDescriptor<Q, R> method, Q request) {
    return direct(endpoint, method, request, deadline());
  }

  /** A call to one node, on a connection of its own, without the balancer and without failover. */
  private <Q, R> R direct(String endpoint, MethodDescriptor<Q, R> method, Q request, Deadline deadline) {
    ManagedChannel direct = balanced.directChannel(endpoint);
    try {
      return ClientCalls.blockingUnaryCall(direct, method, CallOptions.DEFAULT.withDeadline(deadline), request);
    } catch (RuntimeException e) {
      Status status = Status.fromThrowable(e);
      throw CallFailure.brokenConnection(status.getCode(), CallFailure.kind(e))
          ? new DialException(DialException.Kind.NO_ENDPOINT, status.getCode(),
              "no dialkv node reachable: " + endpoint + " (" + describe(status) + ")" + securityHint(status), e)
          : translate(e, endpoint);
    } finally {
      direct.shutdownNow();
    }
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private Deadline deadline() {
    return Deadline.after(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Sends a request through the balancer, and again to another node when that is safe.
   *
   * @param routingKey the row the request touches (token-aware routing), or null
   * @param idempotent whether the call may be repeated on another node after a connection broke
   *     during it (reads); otherwise only a failure that proves the request never reached the
   *     node moves it to another
   */
  private <Q, R> CompletableFuture<R> call(
      MethodDescriptor<Q, R> method, Q request, String routingKey, boolean idempotent) {
    return call(method, request, routingKey, idempotent, false);
  }

  /**
   * @param linearizable a Paxos operation: sent to the key's first replica that can take it, its
   *     preferred proposer, which any other node would hand it on to
   */
  private <Q, R> CompletableFuture<R> call(
      MethodDescriptor<Q, R> method, Q request, String routingKey, boolean idempotent, boolean linearizable) {
    CompletableFuture<R> result = new CompletableFuture<>();
    attempt(method, request, new Route(routingKey, Set.of(), null, linearizable), idempotent, deadline(), 1,
        new HashSet<>(), new ArrayList<>(), result);
    return result;
  }

  private <Q, R> void attempt(
      MethodDescriptor<Q, R> method,
      Q request,
      Route first,
      boolean idempotent,
      Deadline deadline,
      int attempt,
      Set<String> tried,
      List<String> failures,
      CompletableFuture<R> result) {
    Route route = new Route(first.key(), tried, null, first.toFirstReplica());
    ListenableFuture<R> call;
    try {
      call = ClientCalls.futureUnaryCall(
          channel.newCall(method, CallOptions.DEFAULT.withDeadline(deadline).withOption(Route.KEY, route)),
          request);
    } catch (RuntimeException e) {
      result.completeExceptionally(translate(e, "the balancer"));
      return;
    }
    Futures.addCallback(
        call,
        new FutureCallback<R>() {
          @Override
          public void onSuccess(R value) {
            result.complete(value);
          }

          @Override
          public void onFailure(Throwable t) {
            Status status = Status.fromThrowable(t);
            Route.NodeRef node = route.chosen();
            String via = node == null ? "the balancer" : node.toString();
            String kind = CallFailure.kind(t);
            // A connection that died just before it was used fails the request in this process,
            // whatever the status says: the node never saw it.
            boolean notSent = CallFailure.failedBeforeSending(route, status.getCode());
            if (node == null && status.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
              // Client-side throttling chose no node: nothing was sent anywhere.
              failures.add(describe(status));
              result.completeExceptionally(new DialException(DialException.Kind.OVERLOADED, status.getCode(),
                  String.join("; ", failures), t));
              return;
            }
            if (CallFailure.overloaded(kind)) {
              // Refused before any work: another node may have room, but one more try only, so a
              // surge is not multiplied by retries.
              failures.add(via + ": " + describe(status));
              if (attempt >= 2 || deadline.isExpired()) {
                result.completeExceptionally(new DialException(DialException.Kind.OVERLOADED, status.getCode(),
                    "the cluster is overloaded: " + String.join("; ", failures), t));
                return;
              }
              Set<String> avoid = new HashSet<>(tried);
              avoid.add(node.address());
              attempt(method, request, first, idempotent, deadline, attempt + 1, avoid, failures, result);
              return;
            }
            if (!CallFailure.brokenConnection(status.getCode(), kind) && !notSent) {
              result.completeExceptionally(translate(t, via));
              return;
            }
            if (node == null) {
              // The balancer found no node to send to: nothing was sent anywhere.
              boolean refusedBefore = failures.stream().anyMatch(f -> f.contains(Status.Code.RESOURCE_EXHAUSTED.name()));
              failures.add(describe(status));
              result.completeExceptionally(new DialException(
                  refusedBefore ? DialException.Kind.OVERLOADED : DialException.Kind.NO_ENDPOINT, status.getCode(),
                  String.join("; ", failures) + securityHint(status), t));
              return;
            }
            boolean neverSent = !route.sent() || CallFailure.refusedByNode(kind);
            if (!neverSent && !idempotent) {
              result.completeExceptionally(new DialException(DialException.Kind.INDETERMINATE, status.getCode(),
                  "the connection to " + via + " broke during the call (" + describe(status)
                      + "); the request may have been applied",
                  t));
              return;
            }
            failures.add(via + ": " + describe(status));
            if (attempt >= MAX_ATTEMPTS || deadline.isExpired()) {
              result.completeExceptionally(new DialException(DialException.Kind.NO_ENDPOINT, status.getCode(),
                  "no dialkv node could serve the request: " + String.join("; ", failures) + securityHint(status), t));
              return;
            }
            Set<String> avoid = new HashSet<>(tried);
            avoid.add(node.address());
            attempt(method, request, first, idempotent, deadline, attempt + 1, avoid, failures, result);
          }
        },
        MoreExecutors.directExecutor());
  }

  private static DialException translate(Throwable t, String via) {
    if (t instanceof DialException d) {
      return d;
    }
    Status status = Status.fromThrowable(t);
    String kind = CallFailure.kind(t);
    DialException.Kind k;
    if (status.getCode() == Status.Code.UNAUTHENTICATED || status.getCode() == Status.Code.PERMISSION_DENIED) {
      k = DialException.Kind.DENIED;
    } else if (kind == null) {
      k = status.getCode() == Status.Code.DEADLINE_EXCEEDED
          ? DialException.Kind.DEADLINE
          : status.getCode() == Status.Code.INVALID_ARGUMENT
              || status.getCode() == Status.Code.RESOURCE_EXHAUSTED
              ? DialException.Kind.INVALID_ARGUMENT
              : status.getCode() == Status.Code.FAILED_PRECONDITION
                  ? DialException.Kind.REFUSED
                  : DialException.Kind.OTHER;
    } else {
      k = DialException.Kind.fromWireName(kind);
    }
    return new DialException(k, status.getCode(), describe(status) + " (via " + via + ")", t);
  }

  /**
   * What to check when no node could be reached and the cause may be the credentials: a plaintext
   * client talking to a TLS cluster, or TLS refused (another CA, a node started --insecure).
   */
  private String securityHint(Status status) {
    if (status.getCode() != Status.Code.UNAVAILABLE) {
      return "";
    }
    String d = String.valueOf(status.getDescription()) + " " + status.getCause();
    if (!credentials.usesTls()) {
      return "; if the cluster runs TLS, give this client the cluster's CA (--certs-dir, or $DIALKV_CERTS_DIR)";
    }
    if (d.contains("SSL") || d.contains("ertificate") || d.contains("handshake") || d.contains("PKIX")) {
      return "; TLS failed: is the node started --insecure, or are its certificates from another CA than"
          + " this client's ca.crt?";
    }
    return "";
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

  /** A client id that differs between processes and hosts, for ip-hash stickiness. */
  // The process id rather than the runtime MXBean's pid@host: starting JMX for a name costs a
  // one-shot command tens of milliseconds.
  private static String defaultClientId() {
    return "pid-" + ProcessHandle.current().pid() + "/" + UUID.randomUUID();
  }

  /** Closes every connection. */
  @Override
  public void close() {
    balanced.close();
  }

  /** Configures a {@link DialClient}. */
  public static final class Builder {
    private final List<String> endpoints = new ArrayList<>();
    private Duration timeout = Duration.ofSeconds(5);
    private int maxMessageBytes = 8 << 20;
    private BalancerPolicy policy = BalancerPolicy.DEFAULT;
    private String clientId;
    private boolean discover = true;
    private boolean limitInFlight = true;
    private Duration refreshInterval = Duration.ofSeconds(5);
    private DialCredentials credentials = DialCredentials.insecure();

    private Builder() {}

    /** TLS and authentication (default: plaintext, anonymous, for an --insecure cluster). */
    public Builder credentials(DialCredentials credentials) {
      this.credentials = java.util.Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /** Adds endpoints (seeds) as host:port. */
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
      this.timeout = positive(timeout, "timeout");
      return this;
    }

    /** How a node is chosen per request (default token-aware over least-connections). */
    public Builder balancer(BalancerPolicy policy) {
      this.policy = policy;
      return this;
    }

    /** How a node is chosen per request, by name; see {@link BalancerPolicy#parse}. */
    public Builder balancer(String policyName) {
      return balancer(BalancerPolicy.parse(policyName));
    }

    /** The id ip-hash keeps on one node (default: unique to this client instance). */
    public Builder clientId(String clientId) {
      if (clientId == null || clientId.isBlank()) {
        throw new IllegalArgumentException("client id must not be blank");
      }
      this.clientId = clientId;
      return this;
    }

    /**
     * Whether to learn the whole cluster from the endpoints (default true). With false the client
     * talks to the given endpoints only: to ask one node in particular.
     */
    public Builder discover(boolean discover) {
      this.discover = discover;
      return this;
    }

    /**
     * Whether to bound the requests in flight at each node by the latency this client sees there
     * (default true). While a node's answers come late because requests wait in its queue (or in
     * its socket, where the node cannot see them), what is beyond the bound is held back and fails
     * at once with {@link DialException.Kind#OVERLOADED}, nothing sent, instead of adding to the
     * queue. False sends everything: for measuring a cluster without this protection.
     */
    public Builder limitInFlight(boolean limit) {
      this.limitInFlight = limit;
      return this;
    }

    /** How often the cluster's topology is asked for again (default 5 s). */
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval = positive(interval, "refresh interval");
      return this;
    }

    private static Duration positive(Duration d, String name) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive");
      }
      return d;
    }

    /** Builds the client; it connects in the background. */
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
