package io.dialkv.node.access;

import io.dialkv.core.membership.MemberStatus;
import io.dialkv.security.Identity;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;
import java.util.Set;
import java.util.function.IntFunction;

/**
 * Who may call the peer port: the TLS handshake admits only node certificates of the cluster's
 * CA; here a request is admitted only from a current member, or, for the requests a joining node
 * makes before anyone knows it ({@code Heartbeat}, {@code ClusterInfo}), from a node that is not a
 * member yet. A node that left may only heartbeat (while it waits for every node to learn it is
 * gone, then stops); everything else it is refused. The {@code Exchange} stream is opened by any
 * node certificate and each message on it is checked with {@link #refusal} (membership changes
 * while a stream lives). The service then checks that every request's {@code from_node_id} is the
 * node the certificate names ({@link #CALLER_NODE}).
 *
 * <p>Without TLS ({@code --insecure}) there is no certificate and every caller is admitted: the
 * peer port is then open to anyone who can reach it.
 */
public final class PeerAccess implements ServerInterceptor {
  /** The node id the caller's certificate names; 0 without TLS. */
  public static final Context.Key<Integer> CALLER_NODE = Context.key("dialkv-peer-node");
  private static final Set<String> FOR_STRANGERS = Set.of("Heartbeat", "ClusterInfo");
  // Carries requests of every kind, each checked on its own.
  private static final String STREAM = "Exchange";

  private final boolean tls;
  private final IntFunction<Optional<MemberStatus>> membership;

  /**
   * @param tls whether the peer port runs mutual TLS
   * @param membership a node's membership state as this node knows it (empty: never a member)
   */
  public PeerAccess(boolean tls, IntFunction<Optional<MemberStatus>> membership) {
    this.tls = tls;
    this.membership = membership;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (!tls) {
      return Contexts.interceptCall(Context.current().withValue(CALLER_NODE, 0), call, headers, next);
    }
    Identity caller = call.getAttributes().get(Callers.CERTIFICATE);
    if (caller == null || !caller.isNode()) {
      return Denials.deny(call, Status.UNAUTHENTICATED, "the peer port serves nodes only (node certificates)", "peer");
    }
    String method = Denials.shortName(call.getMethodDescriptor().getFullMethodName());
    if (!method.equals(STREAM)) {
      Optional<Status> refused = refusal(caller.nodeId(), method);
      if (refused.isPresent()) {
        return Denials.deny(call, refused.get(), refused.get().getDescription(), "peer");
      }
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER_NODE, caller.nodeId()), call, headers, next);
  }

  /**
   * Fails a peer request whose claimed sender is not the node its caller's certificate names (0,
   * an insecure cluster, names none and trusts the claim): one node cannot speak for another.
   */
  public static void checkClaimedSender(int certified, int claimed) {
    if (certified != 0 && certified != claimed) {
      throw new io.grpc.StatusRuntimeException(Status.PERMISSION_DENIED.withDescription(
          "the request says it is from n" + claimed + ", but the caller's certificate is n" + certified));
    }
  }

  /**
   * Why node {@code caller} may not make a request of this kind ({@code Write}, {@code Heartbeat},
   * ...) now, or empty if it may. Always empty without TLS (caller 0).
   */
  public Optional<Status> refusal(int caller, String request) {
    if (!tls || caller == 0) {
      return Optional.empty();
    }
    Optional<MemberStatus> status = membership.apply(caller);
    if (status.isPresent() && status.get() == MemberStatus.LEFT && !request.equals("Heartbeat")) {
      return Optional.of(Status.PERMISSION_DENIED.withDescription("n" + caller + " left the cluster, and node ids "
          + "are not reused: to add the machine again, wipe its data and join it under a new id"));
    }
    if (status.isEmpty() && !FOR_STRANGERS.contains(request)) {
      return Optional.of(Status.PERMISSION_DENIED.withDescription("n" + caller + " is not a member; until it has "
          + "joined it may only call " + FOR_STRANGERS));
    }
    return Optional.empty();
  }
}
