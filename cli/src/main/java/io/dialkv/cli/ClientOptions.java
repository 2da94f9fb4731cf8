package io.dialkv.cli;

import io.dialkv.client.DialClient;
import io.dialkv.client.auth.DialCredentials;
import io.dialkv.security.Tokens;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Options every command that talks to the cluster takes. */
public final class ClientOptions {
  static final String DEFAULT_ENDPOINTS = "127.0.0.1:7101";

  @Option(
      names = {"-e", "--endpoints"},
      paramLabel = "HOST:PORT[,…]",
      description =
          "Seed nodes, comma-separated; the client learns the rest of the cluster from them "
              + "(default: $DIALKV_ENDPOINTS, else "
              + DEFAULT_ENDPOINTS
              + ").")
  String endpoints;

  @Option(
      names = "--certs-dir",
      paramLabel = "DIR",
      description = {
        "TLS: DIR holds ca.crt, the cluster's CA, and, to authenticate by certificate, client.crt and",
        "client.key (dialkv certs client makes them). Default: $DIALKV_CERTS_DIR; without either, plaintext",
        "(for a cluster started --insecure)."
      })
  Path certsDir;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = {
        "Authenticate with the bearer token in FILE (dialkv token create makes one). Default:",
        "$DIALKV_TOKEN_FILE, else the token in $DIALKV_TOKEN. Tokens are never taken on the command line."
      })
  Path tokenFile;

  @Option(
      names = "--timeout-ms",
      defaultValue = "5000",
      description = "Deadline of each request, failover included (default: ${DEFAULT-VALUE}).")
  long timeoutMillis;

  @Option(
      names = "--balancer",
      defaultValue = "token-aware",
      paramLabel = "POLICY",
      description = {
        "How a node is chosen for each request: round-robin, least-connections, p2c (the less busy",
        "of two at random), ip-hash (sticky),",
        "or token-aware (a replica of the key, chosen by least-connections; token-aware:round-robin",
        "and token-aware:ip-hash choose otherwise). Default: ${DEFAULT-VALUE}."
      })
  String balancer;

  @Option(
      names = "--direct",
      description = {
        "Talk to the given endpoints only, without learning the rest of the cluster: to ask one",
        "node in particular (-e 127.0.0.1:7103 --direct)."
      })
  boolean direct;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  Format output;

  enum Format {
    table,
    json
  }

  String endpoints() {
    if (endpoints != null) {
      return endpoints;
    }
    String env = System.getenv("DIALKV_ENDPOINTS");
    return env == null || env.isBlank() ? DEFAULT_ENDPOINTS : env;
  }

  /** TLS and token as the options and environment say. */
  DialCredentials credentials() {
    Path certs = certsDirectory();
    DialCredentials credentials = certs == null ? DialCredentials.insecure() : DialCredentials.tls(certs);
    String token = token();
    return token == null ? credentials : credentials.withToken(token);
  }

  /** The folder of TLS material as the option or the environment says; null for plaintext. */
  public Path certsDirectory() {
    return certsDir != null ? certsDir : pathFromEnv("DIALKV_CERTS_DIR");
  }

  /** The bearer token as the options or the environment say; null for none. */
  public String token() {
    Path tokenPath = tokenFile != null ? tokenFile : pathFromEnv("DIALKV_TOKEN_FILE");
    String token = tokenPath != null ? Tokens.readTokenFile(tokenPath) : System.getenv("DIALKV_TOKEN");
    return token == null || token.isBlank() ? null : token;
  }

  private static Path pathFromEnv(String name) {
    String value = System.getenv(name);
    return value == null || value.isBlank() ? null : Path.of(value);
  }

  public DialClient connect() {
    return builder().build();
  }

  /**
   * A client for one single-key request, as {@code get} or {@code put} make: it uses the given
   * endpoints as they are instead of first learning the cluster's topology, which would cost a
   * second TLS handshake and a round trip for a ring the one request hardly needs (whichever node
   * is asked coordinates the request for any key).
   */
  public DialClient connectForOneKey() {
    return builder().discover(false).build();
  }

  /** A client as the options say, for a command to adjust before building. */
  DialClient.Builder builder() {
    return DialClient.builder()
        .credentials(credentials())
        .endpoints(endpoints())
        .timeout(Duration.ofMillis(timeoutMillis))
        .balancer(balancer)
        .discover(!direct);
  }

  /** The options the user gave, as arguments, for commands run on their behalf (by the shell). */
  public List<String> explicitArguments() {
    List<String> args = new ArrayList<>();
    if (endpoints != null) {
      args.addAll(List.of("--endpoints", endpoints));
    }
    if (certsDir != null) {
      args.addAll(List.of("--certs-dir", certsDir.toString()));
    }
    if (tokenFile != null) {
      args.addAll(List.of("--token-file", tokenFile.toString()));
    }
    args.addAll(List.of("--timeout-ms", String.valueOf(timeoutMillis), "--balancer", balancer));
    return args;
  }

  public boolean json() {
    return output == Format.json;
  }
}
