package io.dialkv.cli;

import io.dialkv.client.DialClient;
import java.time.Duration;
import picocli.CommandLine.Option;

/** Options every command that talks to the cluster takes. */
final class ClientOptions {
  static final String DEFAULT_ENDPOINTS = "127.0.0.1:7101";

  @Option(
      names = {"-e", "--endpoints"},
      paramLabel = "HOST:PORT[,…]",
      description =
          "Nodes to talk to, comma-separated (default: $DIALKV_ENDPOINTS, else "
              + DEFAULT_ENDPOINTS
              + ").")
  String endpoints;

  @Option(
      names = "--timeout-ms",
      defaultValue = "5000",
      description = "Deadline of each request, failover included (default: ${DEFAULT-VALUE}).")
  long timeoutMillis;

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

  DialClient connect() {
    return DialClient.builder()
        .endpoints(endpoints())
        .timeout(Duration.ofMillis(timeoutMillis))
        .build();
  }

  boolean json() {
    return output == Format.json;
  }
}
