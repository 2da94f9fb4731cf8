package io.dialkv.node.access;

import io.dialkv.security.Identity;
import io.dialkv.security.Role;
import io.dialkv.security.Tokens;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

/**
 * Who may call what on the client port. A caller authenticates with a bearer token ({@code
 * authorization: Bearer <token>}, checked against the node's tokens file) or with a client
 * certificate of the cluster's CA; either gives a name and a role. Reads need {@code read}, writes
 * {@code readwrite}, and membership changes, repair, hints and fault injection {@code admin}. The
 * standard health service is open to all, as load balancers and probes expect.
 *
 * <p>A node configured with neither TLS nor tokens (started {@code --insecure} without {@code
 * --tokens-file}) lets every caller do everything, as an anonymous admin.
 */
public final class ClientAccess implements ServerInterceptor {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Identity ANONYMOUS = Identity.client("anonymous", Role.ADMIN);
  private static final String BEARER = "Bearer ";

  private final Tokens tokens;
  private final boolean certificates;

  /**
   * @param tokens the node's tokens, or null if it takes none
   * @param certificates whether the client port runs TLS and so may see client certificates
   */
  public ClientAccess(Tokens tokens, boolean certificates) {
    this.tokens = tokens;
    this.certificates = certificates;
  }

  /** The role a method needs; null for the ones open to everyone. */
  static Role required(String fullMethodName) {
    int slash = fullMethodName.indexOf('/');
    String service = slash < 0 ? fullMethodName : fullMethodName.substring(0, slash);
    String method = slash < 0 ? "" : fullMethodName.substring(slash + 1);
    return switch (service) {
      case "grpc.health.v1.Health" -> null;
      case "dialkv.v1.DialKv" -> method.equals("Get") || method.equals("GetProfile") ? Role.READ : Role.READWRITE;
      case "dialkv.v1.Cluster" -> method.equals("Topology") ? Role.READ : Role.ADMIN;
      case "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection" -> Role.READ;
      default -> Role.ADMIN; // dialkv.v1.Admin, and anything added later until it says otherwise
    };
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    String methodName = call.getMethodDescriptor().getFullMethodName();
    Role needed = required(methodName);
    if (needed == null) {
      return next.startCall(call, headers);
    }
    String method = Denials.shortName(methodName);
    Identity caller;
    if (tokens == null && !certificates) {
      caller = ANONYMOUS;
    } else {
      String authorization = headers.get(AUTHORIZATION);
      if (authorization != null) {
        if (!authorization.startsWith(BEARER)) {
          return Denials.deny(call, Status.UNAUTHENTICATED,
              "the authorization header must be 'Bearer <token>'", "client");
        }
        if (tokens == null) {
          return Denials.deny(call, Status.UNAUTHENTICATED,
              "this node takes no bearer tokens (it has no --tokens-file); use a client certificate", "client");
        }
        caller = tokens.lookup(authorization.substring(BEARER.length()).strip()).orElse(null);
        if (caller == null) {
          return Denials.deny(call, Status.UNAUTHENTICATED,
              "the bearer token is not one this node knows (revoked, mistyped, or for another cluster)", "client");
        }
      } else {
        Identity certificate = call.getAttributes().get(Callers.CERTIFICATE);
        if (certificate == null) {
          return Denials.deny(call, Status.UNAUTHENTICATED, method + " needs role " + needed.label()
              + ": present a client certificate (--certs-dir with client.crt) or a bearer token"
              + " (--token-file or $DIALKV_TOKEN)", "client");
        }
        if (certificate.isNode()) {
          return Denials.deny(call, Status.PERMISSION_DENIED, "a node certificate (" + certificate.name()
              + ") has no role on the client port; clients use client certificates or tokens", "client");
        }
        caller = certificate;
      }
    }
    if (!caller.role().includes(needed)) {
      return Denials.deny(call, Status.PERMISSION_DENIED, method + " needs role " + needed.label() + "; "
          + caller.describe() + " may not", "client");
    }
    return Contexts.interceptCall(Context.current().withValue(Callers.CALLER, caller), call, headers, next);
  }
}
