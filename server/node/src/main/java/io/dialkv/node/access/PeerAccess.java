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
 * CA; here a call is admitted only from a current member, or, for the calls a joining node makes
 * before anyone knows it ({@code Heartbeat}, {@code ClusterInfo}), from a node that is not a member
 * yet. A node that left may only heartbeat (while it waits for every node to learn it is gone, then
 * stops); everything else it is refused. The service then checks that every request's
 * {@code from_node_id} is the node the certificate names ({@link #CALLER_NODE}).
 *
 * <p>Without TLS ({@code --insecure}) there is no certificate and every caller is admitted: the
 * peer port is then open to anyone who can reach it.
 */
public final class PeerAccess implements ServerInterceptor {
  /** The node id the caller's certificate names; 0 without TLS. */
  public static final Context.Key<Integer> CALLER_NODE = Context.key("dialkv-peer-node");
  private static final Set<String> FOR_STRANGERS = Set.of("Heartbeat", "ClusterInfo");

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
    Optional<MemberStatus> status = membership.apply(caller.nodeId());
    if (status.isPresent() && status.get() == MemberStatus.LEFT && !method.equals("Heartbeat")) {
      return Denials.deny(call, Status.PERMISSION_DENIED, caller.name() + " left the cluster, and node ids are "
          + "not reused: to add the machine again, wipe its data and join it under a new id", "peer");
    }
    if (status.isEmpty() && !FOR_STRANGERS.contains(method)) {
      return Denials.deny(call, Status.PERMISSION_DENIED, caller.name() + " is not a member; until it has joined it "
          + "may only call " + FOR_STRANGERS, "peer");
    }
    return Contexts.interceptCall(Context.current().withValue(CALLER_NODE, caller.nodeId()), call, headers, next);
  }
}
