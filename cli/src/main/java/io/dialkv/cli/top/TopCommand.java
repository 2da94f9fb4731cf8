package io.dialkv.cli.top;

import com.google.gson.GsonBuilder;
import io.dialkv.cli.ClientOptions;
import io.dialkv.cli.ExitCodes;
import io.dialkv.cli.load.RateSchedule;
import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.TopologyResponse;
import io.dialkv.security.Tls;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Predicate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dialkv top}: the cluster live, from every node's metrics port, refreshed every second. */
@Command(
    name = "top",
    mixinStandardHelpOptions = true,
    description = {
      "A live view of the cluster, refreshed every --interval: per node ops/s, p99 latency, errors",
      "by kind, hints pending and state; per consistency level ops/s, p99 and errors. The figures",
      "come from each node's metrics port (its --metrics-listen, which each node announces), read",
      "with the same certificate or token as every other command. A node that dies shows as down",
      "and the view goes on; Ctrl-C ends it."
    },
    footer = {"", ExitCodes.HELP})
public final class TopCommand implements Callable<Integer> {
  private static final List<String> LEVELS = List.of("one", "quorum", "all", "linearizable");
  private static final String REQUESTS = "dialkv_requests_total";
  private static final String DURATIONS = "dialkv_request_duration_seconds";

  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(names = "--interval", defaultValue = "1s", description = "Time between refreshes (default: ${DEFAULT-VALUE}).")
  String interval;

  @Option(names = "--count", defaultValue = "0",
      description = "Stop after this many refreshes (default: 0, until interrupted).")
  int count;

  /** Where each node serves its metrics, once it has said so. */
  private final Map<Integer, String> metricsAddresses = new HashMap<>();
  private final Map<Integer, Scrape> previous = new HashMap<>();
  private final Map<Integer, Long> previousAt = new HashMap<>();

  @Override
  public Integer call() throws InterruptedException {
    Duration every = RateSchedule.parseDuration(interval);
    if (every.toMillis() < 100) {
      throw new IllegalArgumentException("--interval must be at least 100ms, not " + interval);
    }
    if (count < 0) {
      throw new IllegalArgumentException("--count must be 0 (no limit) or more, not " + count);
    }
    PrintWriter out = spec.commandLine().getOut();
    boolean terminal = System.console() != null && !client.json();
    Path certs = client.certsDirectory();
    Tls tls = certs == null ? null : Tls.forClient(certs);
    try (DialClient c = client.connect()) {
      HttpClient http = (tls == null ? HttpClient.newBuilder() : HttpClient.newBuilder().sslContext(tls.httpsClient()))
          .connectTimeout(Duration.ofSeconds(1)).build();
      TopologyResponse topology = c.topology();
      String note = "";
      poll(c, http, tls != null, topology); // the baseline the first rates count from
      for (int frame = 0; count == 0 || frame < count; frame++) {
        Thread.sleep(every.toMillis());
        try {
          topology = c.topology();
          note = "";
        } catch (DialException e) {
          note = "no node answered for the topology (" + e.getMessage() + "); showing the last one known";
        }
        Frame f = poll(c, http, tls != null, topology);
        print(out, new Frame(f.atMillis(), f.seconds(), f.nodes(), f.levels(), note), terminal);
      }
      return ExitCodes.OK;
    } finally {
      if (tls != null) {
        tls.close();
      }
    }
  }

  /** Scrapes every node at once and computes the interval since the last scrape of each. */
  private Frame poll(DialClient c, HttpClient http, boolean https, TopologyResponse topology) {
    // Addresses first (asking a node that does not answer takes time), then every scrape at once,
    // each interval timed from when its scrape was sent.
    Map<Integer, String> addresses = new HashMap<>();
    for (NodeInfo node : topology.getNodesList()) {
      addresses.put(node.getNodeId(), metricsAddress(c, node));
    }
    Map<Integer, CompletableFuture<Scrape>> scrapes = new LinkedHashMap<>();
    Map<Integer, Long> sentNanos = new HashMap<>();
    for (NodeInfo node : topology.getNodesList()) {
      String address = addresses.get(node.getNodeId());
      sentNanos.put(node.getNodeId(), System.nanoTime());
      scrapes.put(node.getNodeId(), address.startsWith("!")
          ? CompletableFuture.failedFuture(new IOException(address.substring(1)))
          : scrape(http, https, address));
    }
    List<Frame.NodeRow> rows = new ArrayList<>();
    Map<String, Double> levelOps = new TreeMap<>();
    Map<String, Scrape.Histogram> levelLatency = new HashMap<>();
    Map<String, Map<String, Double>> levelErrors = new HashMap<>();
    double seconds = 0;
    for (NodeInfo node : topology.getNodesList()) {
      int id = node.getNodeId();
      boolean seenDown = node.getLiveness() == Liveness.DOWN;
      Scrape now;
      try {
        now = scrapes.get(id).join();
      } catch (RuntimeException e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        rows.add(new Frame.NodeRow(id, "down", seenDown, Double.NaN, Double.NaN, Map.of(), -1,
            String.valueOf(cause.getMessage())));
        previous.remove(id);
        metricsAddresses.remove(id); // a restarted node may listen elsewhere: ask it again
        continue;
      }
      long nowNanos = sentNanos.get(id);
      Scrape before = previous.put(id, now);
      Long beforeNanos = previousAt.put(id, nowNanos);
      String state = switch (node.getState()) {
        case NODE_STATE_JOINING -> "joining";
        case NODE_STATE_LEAVING -> "leaving";
        default -> "up";
      };
      long hints = (long) now.sum("dialkv_hints_pending", l -> true);
      if (before == null) {
        rows.add(new Frame.NodeRow(id, state, seenDown, Double.NaN, Double.NaN, Map.of(), hints,
            "first scrape: rates from the next"));
        continue;
      }
      double dt = Math.max((nowNanos - beforeNanos) / 1e9, 1e-3);
      seconds = Math.max(seconds, dt);
      Rates rates = new Rates(before, now);
      rows.add(new Frame.NodeRow(id, state, seenDown, rates.increase(REQUESTS, l -> true) / dt,
          millis(Rates.quantile(rates.addHistogram(DURATIONS, l -> true, null), 0.99)),
          perSecond(rates.increaseBy(REQUESTS, "outcome", NOT_OK), dt), hints, ""));
      for (String level : LEVELS) {
        Predicate<Map<String, String>> atLevel = l -> level.equals(l.get("level"));
        levelOps.merge(level, rates.increase(REQUESTS, atLevel) / dt, Double::sum);
        levelLatency.put(level, rates.addHistogram(DURATIONS, atLevel, levelLatency.get(level)));
        perSecond(rates.increaseBy(REQUESTS, "outcome", atLevel.and(NOT_OK)), dt).forEach((kind, rate) ->
            levelErrors.computeIfAbsent(level, x -> new TreeMap<>()).merge(kind, rate, Double::sum));
      }
    }
    List<Frame.LevelRow> levels = new ArrayList<>();
    for (String level : LEVELS) {
      levels.add(new Frame.LevelRow(level.toUpperCase(Locale.ROOT), levelOps.getOrDefault(level, 0.0),
          millis(Rates.quantile(levelLatency.get(level), 0.99)), levelErrors.getOrDefault(level, Map.of())));
    }
    return new Frame(System.currentTimeMillis(), seconds, rows, levels, "");
  }

  /**
   * The node's metrics endpoint, as the node itself announces it (each node knows only its own);
   * a wildcard host is replaced by the host of its client address. If there is none, why, after
   * a "!".
   */
  private String metricsAddress(DialClient c, NodeInfo node) {
    String known = metricsAddresses.get(node.getNodeId());
    if (known != null) {
      return known;
    }
    String announced;
    try {
      announced = c.topology(node.getAddress()).getMetricsAddress();
    } catch (DialException e) {
      return "!not answering at " + node.getAddress() + " (" + e.getMessage() + ")";
    }
    if (announced.isEmpty()) {
      return "!it serves no metrics (start it with --metrics-listen)";
    }
    int colon = announced.lastIndexOf(':');
    String host = announced.substring(0, colon);
    if (host.equals("0.0.0.0") || host.equals("[::]")) {
      String client = node.getAddress();
      announced = client.substring(0, client.lastIndexOf(':')) + announced.substring(colon);
    }
    metricsAddresses.put(node.getNodeId(), announced);
    return announced;
  }

  private CompletableFuture<Scrape> scrape(HttpClient http, boolean https, String address) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create((https ? "https://" : "http://") + address + "/metrics"))
        .header("Accept", Scrape.ACCEPT)
        .timeout(Duration.ofSeconds(2));
    String token = client.token();
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream()).thenApply(r -> {
      try (var body = r.body()) {
        if (r.statusCode() != 200) {
          throw new IllegalStateException("HTTP " + r.statusCode()
              + (r.statusCode() == 401 ? " (these credentials may not read metrics)" : ""));
        }
        return Scrape.parse(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }).handle((scrape, failure) -> {
      if (failure == null) {
        return scrape;
      }
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
      throw new IllegalStateException("metrics at " + address + ": " + why);
    });
  }

  private static final Predicate<Map<String, String>> NOT_OK = l -> !"ok".equals(l.get("outcome"));

  private static Map<String, Double> perSecond(Map<String, Double> increases, double seconds) {
    Map<String, Double> rates = new TreeMap<>();
    increases.forEach((k, v) -> rates.put(k, v / seconds));
    return rates;
  }

  private static double millis(double seconds) {
    return seconds * 1000;
  }

  private void print(PrintWriter out, Frame frame, boolean terminal) {
    if (client.json()) {
      out.println(new GsonBuilder().serializeSpecialFloatingPointValues().create().toJson(frame));
      out.flush();
      return;
    }
    if (terminal) {
      out.print("\033[H\033[2J"); // home, clear: the view redraws in place
    }
    out.print(TopTable.render(frame));
    out.println();
    out.flush();
  }
}
