package io.dialkv.client.auth;

import io.dialkv.security.Tls;
import io.dialkv.security.Tokens;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ForwardingClientCall;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import java.nio.file.Path;

/**
 * How a client proves who it is to a dialkv cluster and checks that it talks to the cluster's
 * nodes: TLS with the cluster's CA (and a client certificate, if the folder has one), a bearer
 * token, both, or neither (a cluster started {@code --insecure}).
 *
 * <pre>{@code
 * DialCredentials.tls(Path.of("certs/alice"))                  // ca.crt, client.crt, client.key
 * DialCredentials.tls(Path.of("certs/ca-only")).withToken(t)   // the CA, and a token for the role
 * DialCredentials.insecure()                                   // plaintext, no identity
 * }</pre>
 *
 * Immutable; one instance may serve many clients.
 */
public final class DialCredentials {
  static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

  private final Tls tls;
  private final String token;

  private DialCredentials(Tls tls, String token) {
    this.tls = tls;
    this.token = token;
  }

  /** Plaintext and anonymous: only for a cluster started with {@code --insecure}. */
  public static DialCredentials insecure() {
    return new DialCredentials(null, null);
  }

  /**
   * TLS with the files of a certificates folder: {@code ca.crt} to check the nodes, and, if present,
   * {@code client.crt} and {@code client.key} to authenticate with.
   *
   * @throws IllegalArgumentException if {@code ca.crt} is missing or a file cannot be read
   */
  public static DialCredentials tls(Path certsDir) {
    return new DialCredentials(Tls.forClient(certsDir), null);
  }

  /** These credentials, also sending a bearer token with every call (it decides the role). */
  public DialCredentials withToken(String bearerToken) {
    if (bearerToken == null || bearerToken.isBlank() || bearerToken.length() > Tokens.MAX_TOKEN_CHARS
        || !bearerToken.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IllegalArgumentException("a token is 1 to " + Tokens.MAX_TOKEN_CHARS + " printable ASCII characters");
    }
    return new DialCredentials(tls, bearerToken.strip());
  }

  /** Whether connections use TLS. */
  public boolean usesTls() {
    return tls != null;
  }

  /** Whether calls carry a bearer token. */
  public boolean hasToken() {
    return token != null;
  }

  /** The transport credentials, for a gRPC channel built by hand. */
  public ChannelCredentials channelCredentials() {
    return tls == null ? InsecureChannelCredentials.create() : tls.clientChannel();
  }

  /** Adds the token to every call of a channel built by hand; null without a token. */
  public ClientInterceptor tokenInterceptor() {
    if (token == null) {
      return null;
    }
    String header = "Bearer " + token;
    return new ClientInterceptor() {
      @Override
      public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        return new ForwardingClientCall.SimpleForwardingClientCall<>(next.newCall(method, options)) {
          @Override
          public void start(Listener<R> listener, Metadata headers) {
            // A call that carries its own token (one the standalone balancer forwards) keeps it.
            if (!headers.containsKey(AUTHORIZATION)) {
              headers.put(AUTHORIZATION, header);
            }
            super.start(listener, headers);
          }
        };
      }
    };
  }

  @Override
  public String toString() {
    return (tls == null ? "plaintext" : "TLS (" + tls.dir() + ")") + (token == null ? "" : " with a token");
  }
}
