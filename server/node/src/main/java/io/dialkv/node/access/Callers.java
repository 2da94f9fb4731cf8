package io.dialkv.node.access;

import io.dialkv.security.Identity;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Who is at the other end of a connection, read once per connection from the certificate it
 * presented (not per call), and who made the call being served.
 */
public final class Callers extends ServerTransportFilter {
  /** The identity the connection's client certificate names, if it presented one. */
  public static final Attributes.Key<Identity> CERTIFICATE = Attributes.Key.create("dialkv-certificate-identity");
  /** The caller of the call being served, once access was granted. */
  public static final Context.Key<Identity> CALLER = Context.key("dialkv-caller");

  @Override
  public Attributes transportReady(Attributes attributes) {
    SSLSession session = attributes.get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
    if (session == null) {
      return attributes;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
        Identity identity = Identity.of(leaf).orElse(null);
        if (identity != null) {
          return attributes.toBuilder().set(CERTIFICATE, identity).build();
        }
      }
    } catch (SSLPeerUnverifiedException noCertificate) {
      // a client that authenticates by token, or not at all
    }
    return attributes;
  }
}
