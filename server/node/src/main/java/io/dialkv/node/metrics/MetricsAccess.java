package io.dialkv.node.metrics;

import com.sun.net.httpserver.Authenticator;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpPrincipal;
import com.sun.net.httpserver.HttpsExchange;
import io.dialkv.security.Identity;
import io.dialkv.security.Role;
import io.dialkv.security.Tokens;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.Set;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who may scrape: the same credentials as the client port, with at least the read role. A bearer
 * token from the tokens file, or (with TLS) a client certificate from the cluster CA naming a
 * client with the read role or a node. A node without TLS and without tokens lets anyone scrape,
 * as it lets anyone do anything.
 */
final class MetricsAccess extends Authenticator {
  static final Role NEEDED = Role.READ;
  private static final String REALM = "dialkv";
  // Liveness and readiness tell one bit each, and the orchestrator asking has no credentials.
  private static final Set<String> PROBES = Set.of("/-/healthy", ReadyHandler.PATH);

  private final Tokens tokens; // null: none
  private final boolean tls;

  MetricsAccess(Tokens tokens, boolean tls) {
    this.tokens = tokens;
    this.tls = tls;
  }

  @Override
  public Result authenticate(HttpExchange exchange) {
    String path = exchange.getRequestURI().getPath();
    if ((!tls && tokens == null) || PROBES.contains(path)) {
      return new Success(new HttpPrincipal("anyone", REALM));
    }
    String authorization = exchange.getRequestHeaders().getFirst("Authorization");
    if (authorization != null) {
      Optional<Identity> caller = bearer(authorization);
      if (caller.isEmpty()) {
        return refuse(exchange, "invalid_token", "the token is not in the node's tokens file");
      }
      return allowed(exchange, caller.get());
    }
    Optional<Identity> certified = certified(exchange);
    if (certified.isPresent()) {
      return allowed(exchange, certified.get());
    }
    return refuse(exchange, null, "send 'Authorization: Bearer <token>' (a token with the read role)"
        + (tls ? " or a client certificate from the cluster CA" : ""));
  }

  private Optional<Identity> bearer(String authorization) {
    if (tokens == null || authorization.length() < 8 || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.empty();
    }
    return tokens.lookup(authorization.substring(7).trim());
  }

  private static Optional<Identity> certified(HttpExchange exchange) {
    if (!(exchange instanceof HttpsExchange https)) {
      return Optional.empty();
    }
    try {
      Certificate[] chain = https.getSSLSession().getPeerCertificates();
      return chain.length > 0 && chain[0] instanceof X509Certificate cert ? Identity.of(cert) : Optional.empty();
    } catch (SSLPeerUnverifiedException none) {
      return Optional.empty();
    }
  }

  private static Result allowed(HttpExchange exchange, Identity caller) {
    if (caller.isNode() || caller.role().includes(NEEDED)) {
      return new Success(new HttpPrincipal(caller.name(), REALM));
    }
    exchange.getResponseHeaders().set("X-Dialkv-Error", caller.describe() + " lacks the read role");
    return new Failure(403);
  }

  private static Result refuse(HttpExchange exchange, String error, String hint) {
    exchange.getResponseHeaders().set("WWW-Authenticate",
        "Bearer realm=\"" + REALM + "\"" + (error == null ? "" : ", error=\"" + error + "\""));
    exchange.getResponseHeaders().set("X-Dialkv-Error", hint);
    return new Retry(401);
  }
}
