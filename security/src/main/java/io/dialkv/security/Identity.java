package io.dialkv.security;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Who a caller is, as its certificate or token says: a node of the cluster (by id), or a client
 * with a name and a role.
 *
 * <p>Certificates carry it as URI subject alternative names, the way workload identities (SPIFFE)
 * do: {@code dialkv:node:3} for node 3; {@code dialkv:client:alice} and {@code dialkv:role:admin}
 * for a client. A certificate with neither is no identity here, whoever signed it, so a CA shared
 * with other services cannot mint dialkv nodes by accident.
 *
 * @param nodeId the node's id, 0 for a client
 * @param name the client's name, or "n3" for node 3
 * @param role the client's role; null for a node (nodes have no role on the client port)
 */
public record Identity(int nodeId, String name, Role role) {
  static final String NODE_URI = "dialkv:node:";
  static final String CLIENT_URI = "dialkv:client:";
  static final String ROLE_URI = "dialkv:role:";
  private static final int URI_SAN = 6;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");

  public Identity {
    if (nodeId < 0) {
      throw new IllegalArgumentException("node id must not be negative");
    }
    if (nodeId == 0 && (role == null || name == null || !NAME.matcher(name).matches())) {
      throw new IllegalArgumentException(
          "a client needs a role and a name of 1 to 64 letters, digits or . _ @ -, got '" + name + "'");
    }
  }

  /** Node {@code id} of the cluster. */
  public static Identity node(int id) {
    if (id < 1) {
      throw new IllegalArgumentException("node id must be a positive integer, got " + id);
    }
    return new Identity(id, "n" + id, null);
  }

  /** A client with this name and role. */
  public static Identity client(String name, Role role) {
    return new Identity(0, name, role);
  }

  public boolean isNode() {
    return nodeId > 0;
  }

  /** For messages: "node n3" or "client 'alice' (role admin)". */
  public String describe() {
    return isNode() ? "node " + name : "client '" + name + "' (role " + role.label() + ")";
  }

  /** The URI names a certificate for this identity carries. */
  List<String> uris() {
    return isNode() ? List.of(NODE_URI + nodeId) : List.of(CLIENT_URI + name, ROLE_URI + role.label());
  }

  /** The identity a certificate names, if it names exactly one well-formed dialkv identity. */
  public static Optional<Identity> of(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    Integer node = null;
    String client = null;
    Role role = null;
    int found = 0;
    for (List<?> entry : names) {
      if (entry.size() < 2 || !(entry.get(0) instanceof Integer type) || type != URI_SAN
          || !(entry.get(1) instanceof String uri)) {
        continue;
      }
      try {
        if (uri.startsWith(NODE_URI)) {
          node = Integer.parseInt(uri.substring(NODE_URI.length()));
          found++;
        } else if (uri.startsWith(CLIENT_URI)) {
          client = uri.substring(CLIENT_URI.length());
          found++;
        } else if (uri.startsWith(ROLE_URI)) {
          role = Role.parse(uri.substring(ROLE_URI.length()));
        }
      } catch (IllegalArgumentException malformed) {
        return Optional.empty();
      }
    }
    try {
      if (found != 1) {
        return Optional.empty(); // none, or a certificate claiming to be two things at once
      }
      if (node != null) {
        return node >= 1 ? Optional.of(node(node)) : Optional.empty();
      }
      return role == null ? Optional.empty() : Optional.of(client(client, role));
    } catch (IllegalArgumentException malformed) {
      return Optional.empty();
    }
  }
}
