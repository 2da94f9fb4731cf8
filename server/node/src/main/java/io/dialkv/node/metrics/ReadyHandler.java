package io.dialkv.node.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Every path of the metrics port but {@code /metrics} and {@code /-/healthy}: {@code /-/ready}
 * answers whether the node serves clients; anything else is not found.
 */
final class ReadyHandler implements HttpHandler {
  static final String PATH = "/-/ready";

  private final BooleanSupplier ready;

  ReadyHandler(BooleanSupplier ready) {
    this.ready = ready;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      exchange.getRequestBody().close();
      if (!PATH.equals(exchange.getRequestURI().getPath())) {
        reply(exchange, 404, "not found; the metrics are at /metrics, readiness at " + PATH + "\n");
      } else if (ready.getAsBoolean()) {
        reply(exchange, 200, "ready\n");
      } else {
        reply(exchange, 503, "not ready: joining, leaving or seeing no peer alive\n");
      }
    }
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
