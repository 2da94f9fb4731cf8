package io.dialkv.node.metrics;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import io.dialkv.security.Tls;
import io.dialkv.security.Tokens;
import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

/**
 * The metrics port: Prometheus' text format at {@code /metrics}, over HTTPS with the node's
 * certificate when the node has TLS, for callers {@link MetricsAccess} lets in; and two probes
 * anyone may ask, for an orchestrator that cannot speak TLS-authenticated gRPC (Kubernetes' gRPC
 * probes have no TLS; its HTTPS probes do not check certificates): {@code /-/healthy} (the
 * process answers) and {@code /-/ready} (200 once the node serves clients, that is after a join
 * has streamed its ranges; 503 while it joins, leaves or sees no peer).
 *
 * <p>Bounded like the other ports: at most 64 connections, each with one request at a time, so at
 * most 64 requests wait for its two threads; a request must arrive whole within ten seconds (a slow
 * client cannot hold a connection), with at most 64 header lines of 16 KB in all.
 */
public final class MetricsServer implements AutoCloseable {
  private static final int THREADS = 2;
  private static final int MAX_CONNECTIONS = 64;

  private final HTTPServer server;
  private final ExecutorService threads;

  private MetricsServer(HTTPServer server, ExecutorService threads) {
    this.server = server;
    this.threads = threads;
  }

  /**
   * Starts serving the registry.
   *
   * @param tls the node's credentials, or null for plain HTTP
   * @param tokens the clients' tokens, or null for none
   */
  public static MetricsServer start(
      InetSocketAddress listen, PrometheusRegistry registry, Tls tls, Tokens tokens, BooleanSupplier ready, String name)
      throws IOException {
    boundSlowClients();
    // The queue is bounded by the connection limit; a refused task would leave its connection open.
    ExecutorService threads = Executors.newFixedThreadPool(THREADS, r -> {
      Thread t = new Thread(r, name + "-metrics");
      t.setDaemon(true);
      return t;
    });
    HTTPServer.Builder builder = HTTPServer.builder()
        .inetAddress(listen.getAddress())
        .port(listen.getPort())
        .registry(registry)
        .executorService(threads)
        .defaultHandler(new ReadyHandler(ready))
        .authenticator(new MetricsAccess(tokens, tls != null));
    if (tls != null) {
      SSLContext context = tls.httpsServer();
      builder.httpsConfigurator(new HttpsConfigurator(context) {
        @Override
        public void configure(HttpsParameters params) {
          SSLParameters ssl = context.getDefaultSSLParameters();
          ssl.setWantClientAuth(true); // a certificate, or a token instead
          params.setSSLParameters(ssl); // which the server then uses instead of params' own flags
        }
      });
    }
    try {
      return new MetricsServer(builder.buildAndStart(), threads);
    } catch (IOException e) {
      threads.shutdownNow();
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof BindException) {
          throw new IOException("cannot listen on " + listen + " (metrics port): address already in use", e);
        }
      }
      throw new IOException("cannot listen on " + listen + " (metrics port): " + e.getMessage(), e);
    }
  }

  /**
   * The JDK's HTTP server waits for a request without end unless told otherwise, and reads these
   * settings once, when it is first used; a setting the operator gave on the command line stays.
   */
  private static void boundSlowClients() {
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", "10");
    System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", "30");
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqHeaders", "64");
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqHeaderSize", String.valueOf(16 << 10));
    System.getProperties().putIfAbsent("sun.net.httpserver.idleInterval", "60");
    System.getProperties().putIfAbsent("sun.net.httpserver.maxIdleConnections", "16");
    System.getProperties().putIfAbsent("jdk.httpserver.maxConnections", String.valueOf(MAX_CONNECTIONS));
  }

  /** The port it listens on (useful when asked for port 0). */
  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    server.close();
    threads.shutdownNow();
  }
}
