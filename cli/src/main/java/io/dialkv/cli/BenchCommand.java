package io.dialkv.cli;

import io.dialkv.cli.load.ClosedLoop;
import io.dialkv.cli.load.LoadReport;
import io.dialkv.cli.load.OpenLoop;
import io.dialkv.cli.load.RateSchedule;
import io.dialkv.client.DialClient;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Consistency;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A load generator. Closed loop by default: keeps {@code --concurrency} requests in flight, each
 * new request sent as soon as one completes, which measures capacity. With {@code --rate}, open
 * loop: requests are sent on a schedule whatever the latency (see {@link OpenLoop}), which
 * measures what users would see, and the result is reported per second. Latency is measured per
 * request with HdrHistogram; a warm-up phase runs first and is not counted.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure throughput and latency at one consistency level.",
      "Closed loop (capacity): keeps --concurrency requests in flight over a read/write mix on",
      "--keys keys, after a preload of every key and a warm-up; prints ops/s and p50/p99/p99.9.",
      "Open loop (what users see): --rate 2000 for --duration, or a schedule such as",
      "--rate 2000:30s,8000:30s,2000:30s; requests are sent when due whatever the latency, latency",
      "counts from when each was due, and goodput, errors by kind and p50/p99 are shown per second."
    })
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;
  @Mixin LevelOption level;

  @Option(names = "--ops", defaultValue = "100000", description = "Measured operations (default: ${DEFAULT-VALUE}).")
  long ops;

  @Option(names = "--warmup-ops", defaultValue = "20000", description = "Operations run first and not measured (default: ${DEFAULT-VALUE}).")
  long warmupOps;

  @Option(names = "--warmup-time", paramLabel = "DURATION",
      description = "Warm up for this long (30s, 2m) instead of for --warmup-ops operations.")
  String warmupTime;

  @Option(names = "--concurrency", defaultValue = "64", description = "Requests in flight (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--read-ratio", defaultValue = "0.5", description = "Fraction of operations that are reads (default: ${DEFAULT-VALUE}).")
  double readRatio;

  @Option(names = "--value-size", defaultValue = "200", description = "Bytes per written value (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(names = "--keys", defaultValue = "10000", description = "Distinct keys, chosen uniformly (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--preload", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Write every key once before measuring, so reads find data (default: on).")
  boolean preload;

  @Option(names = "--cas",
      description = "Measure compare-and-set instead: each operation claims a fresh key (expect absent, always applies).")
  boolean cas;

  @Option(names = "--seed", defaultValue = "42", description = "Random seed for key choice (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--time-limit", paramLabel = "DURATION",
      description = "Closed loop: stop measuring after this long even if --ops are not done (for example 20s).")
  String timeLimit;

  @Option(names = "--rate", paramLabel = "SCHEDULE",
      description = "Open loop: OPS_PER_S, or phases RATE:DURATION,... (durations in ms, s, m, h).")
  String rate;

  @Option(names = "--duration", defaultValue = "30s",
      description = "How long a bare --rate lasts (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--max-outstanding", defaultValue = "20000",
      description = "Open loop: most requests unanswered at once; a request due beyond it is not sent and counts "
          + "as CLIENT_BACKLOG (default: ${DEFAULT-VALUE}).")
  int maxOutstanding;

  @Option(names = "--no-client-limit",
      description = "Send every request, even to a node whose answers show that requests wait in its queue: "
          + "without it this client holds back (and counts as OVERLOADED, nothing sent) what is beyond the "
          + "in-flight limit it learned for that node. For measuring a cluster without overload protection.")
  boolean noClientLimit;

  @Option(names = "--verify",
      description = "Open loop: every write goes to a fresh key; at the end every acknowledged one is read back "
          + "at QUORUM (LINEARIZABLE for LINEARIZABLE) and any missing is reported as lost.")
  boolean verify;

  @Override
  public Integer call() throws InterruptedException {
    String invalid = invalidOptions();
    if (invalid != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), invalid);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (DialClient c = client.builder().limitInFlight(!noClientLimit).build()) {
      byte[] value = new byte[valueSize];
      java.util.Arrays.fill(value, (byte) 'x');
      Consistency consistency = level.proto();
      if (preload) {
        Run load = new Run(c, consistency, value, 0.0, keys, true, false);
        load.execute(keys, concurrency);
      }
      if (warmupTime != null || warmupOps > 0) {
        Run warmup = new Run(c, consistency, value, readRatio, keys, false, cas);
        if (warmupTime != null) {
          warmup.limit(RateSchedule.parseDuration(warmupTime));
        }
        warmup.execute(warmupTime != null ? Long.MAX_VALUE : warmupOps, concurrency);
      }
      if (rate != null) {
        return openLoop(c, consistency, value, out);
      }
      Run run = new Run(c, consistency, value, readRatio, keys, false, cas);
      Map<String, Long> before = requestsPerNode(c);
      if (timeLimit != null) {
        run.limit(RateSchedule.parseDuration(timeLimit));
      }
      ClosedLoop.Result result = run.execute(ops, concurrency);
      double seconds = result.seconds();
      Histogram h = result.latencies();
      long failed = result.failed();
      long done = result.done();
      double opsPerSecond = result.opsPerSecond();
      Map<String, Long> sent = requestsPerNode(c);
      sent.replaceAll((node, n) -> n - before.getOrDefault(node, 0L));
      if (client.json()) {
        out.printf(
            "{\"consistency\": \"%s\", \"concurrency\": %d, \"read_ratio\": %s, \"ops\": %d, \"seconds\": %.3f,"
                + " \"ops_per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f,"
                + " \"max_ms\": %.3f, \"errors\": %d, \"balancer\": \"%s\", \"requests_per_node\": %s}%n",
            consistency, concurrency, readRatio, done, seconds, opsPerSecond,
            ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
            ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), failed, c.balancer(),
            new com.google.gson.Gson().toJson(sent));
      } else {
        out.printf("%s  concurrency %d  %s  %d ops in %.2f s over %d endpoints%n",
            cas ? "LINEARIZABLE compare-and-set" : consistency, concurrency,
            cas ? "fresh keys" : String.format("read ratio %.2f", readRatio), done, seconds, c.endpoints().size());
        out.printf("throughput  %.0f ops/s%n", opsPerSecond);
        out.printf("latency     p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms%n",
            ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
            ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
        out.printf("errors      %d%s%n", failed, failed == 0 ? "" : " " + result.errors());
        long total = sent.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder line = new StringBuilder();
        sent.forEach((node, n) -> line.append(String.format("  %s %.1f%%", node, total == 0 ? 0.0 : 100.0 * n / total)));
        out.printf("balancer    %s, requests per node:%s%n", c.balancer(), line);
      }
      return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }
  }

  private int openLoop(DialClient c, Consistency consistency, byte[] value, PrintWriter out)
      throws InterruptedException {
    RateSchedule schedule = RateSchedule.parse(rate, RateSchedule.parseDuration(duration));
    String runId = Long.toHexString(System.nanoTime());
    java.util.BitSet acked = new java.util.BitSet();
    SplittableRandom random = new SplittableRandom(seed);
    OpenLoop loop = new OpenLoop(schedule, OpenLoop.Ticker.SYSTEM, BenchCommand::kindOf, maxOutstanding);
    Map<String, Long> before = requestsPerNode(c);
    // On stderr, so that whoever runs the bench (the lab) can time faults from the schedule's start.
    System.err.println(OpenLoop.STARTED);
    System.err.flush();
    OpenLoop.Result result = loop.run(i -> {
      boolean read = random.nextDouble() < readRatio;
      if (cas) {
        return c.compareAndSetAsync("bench-cas-" + runId + "-" + i, null, value);
      }
      if (read) {
        return c.getAsync("bench-" + random.nextInt(keys), consistency, false);
      }
      if (!verify) {
        return c.putAsync("bench-" + random.nextInt(keys), value, consistency);
      }
      int n = (int) (long) i;
      return c.putAsync("bench-v-" + runId + "-" + n, Long.toString(n).getBytes(java.nio.charset.StandardCharsets.UTF_8),
          consistency).thenRun(() -> {
            synchronized (acked) {
              acked.set(n);
            }
          });
    }, TimeUnit.MILLISECONDS.toNanos(client.timeoutMillis) + TimeUnit.SECONDS.toNanos(5));
    Map<String, Long> sent = requestsPerNode(c);
    sent.replaceAll((node, n) -> n - before.getOrDefault(node, 0L));
    LoadReport.Verification verification = null;
    if (verify) {
      Consistency readBack = consistency == Consistency.LINEARIZABLE ? Consistency.LINEARIZABLE : Consistency.QUORUM;
      verification = LoadReport.verify(c, acked, i -> "bench-v-" + runId + "-" + i,
          i -> Long.toString(i).getBytes(java.nio.charset.StandardCharsets.UTF_8), readBack);
    }
    String label = cas ? "LINEARIZABLE compare-and-set" : consistency.toString();
    if (client.json()) {
      out.println(LoadReport.json(label, readRatio, result, sent, verification));
    } else {
      LoadReport.table(label, readRatio, result, sent, verification, out);
    }
    return result.total().failed() == 0 && (verification == null || verification.lost() == 0)
        ? ExitCodes.OK : ExitCodes.FAILURE;
  }

  private static String kindOf(Throwable cause) {
    return cause instanceof DialException d ? d.kind().name() : cause.getClass().getSimpleName();
  }

  static final int MAX_CONCURRENCY = 4096;
  static final int MAX_VALUE_SIZE = 16 << 20;

  /** What is wrong with the options, or null: checked before anything is allocated or sent. */
  String invalidOptions() {
    if (ops < 1 || ops > 1_000_000_000) {
      return "--ops must be 1 to 1000000000, got " + ops;
    }
    if (warmupOps < 0 || warmupOps > 1_000_000_000) {
      return "--warmup-ops must be 0 to 1000000000, got " + warmupOps;
    }
    if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
      return "--concurrency must be 1 to " + MAX_CONCURRENCY + ", got " + concurrency;
    }
    if (keys < 1 || keys > 100_000_000) {
      return "--keys must be 1 to 100000000, got " + keys;
    }
    if (!(readRatio >= 0 && readRatio <= 1)) { // NaN fails both
      return "--read-ratio must be a number from 0 to 1, got " + readRatio;
    }
    if (rate != null) {
      try {
        RateSchedule.parse(rate, RateSchedule.parseDuration(duration));
      } catch (IllegalArgumentException e) {
        return "--rate: " + e.getMessage();
      }
    } else if (verify) {
      return "--verify needs --rate (it checks the writes of an open-loop run)";
    }
    if (timeLimit != null) {
      try {
        RateSchedule.parseDuration(timeLimit);
      } catch (IllegalArgumentException e) {
        return "--time-limit: " + e.getMessage();
      }
    }
    if (warmupTime != null) {
      try {
        RateSchedule.parseDuration(warmupTime);
      } catch (IllegalArgumentException e) {
        return "--warmup-time: " + e.getMessage();
      }
    }
    if (maxOutstanding < 1 || maxOutstanding > 1_000_000) {
      return "--max-outstanding must be 1 to 1000000, got " + maxOutstanding;
    }
    if (valueSize < 0 || valueSize > MAX_VALUE_SIZE) {
      return "--value-size must be 0 to " + MAX_VALUE_SIZE + " bytes, got " + valueSize
          + " (nodes refuse values over their --max-value-bytes, 1048576 by default)";
    }
    return null;
  }

  /** Requests this client has sent each node, by node name. */
  private static Map<String, Long> requestsPerNode(DialClient c) {
    Map<String, Long> map = new java.util.LinkedHashMap<>();
    for (NodeStats n : c.nodes()) {
      map.put(n.name(), n.requests());
    }
    return map;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  /** One phase: a closed loop over a read/write mix, or over compare-and-sets on fresh keys. */
  private static final class Run {
    private static final AtomicLong CAS_KEYS = new AtomicLong();
    private static final ClosedLoop LOOP = new ClosedLoop(BenchCommand::kindOf,
        cause -> cause instanceof DialException d && d.kind() == DialException.Kind.OVERLOADED);
    private final DialClient client;
    private final Consistency level;
    private final byte[] value;
    private final double readRatio;
    private final int keys;
    private final boolean sequentialWrites;
    private final boolean cas;
    private final SplittableRandom random = new SplittableRandom(42);
    private Duration limit;

    /** No request is sent after this long; those in flight complete. */
    void limit(Duration limit) {
      this.limit = limit;
    }

    Run(DialClient client, Consistency level, byte[] value, double readRatio, int keys, boolean sequentialWrites,
        boolean cas) {
      this.cas = cas;
      this.client = client;
      this.level = level;
      this.value = value;
      this.readRatio = readRatio;
      this.keys = keys;
      this.sequentialWrites = sequentialWrites;
    }

    ClosedLoop.Result execute(long total, int concurrency) throws InterruptedException {
      return LOOP.run(this::request, total, concurrency, limit);
    }

    private CompletableFuture<?> request(long n) {
      boolean read;
      int key;
      synchronized (random) {
        read = random.nextDouble() < readRatio;
        key = sequentialWrites ? (int) n : random.nextInt(keys);
      }
      if (cas) {
        return client.compareAndSetAsync("bench-cas-" + System.nanoTime() + "-" + CAS_KEYS.incrementAndGet(), null, value);
      }
      String k = "bench-" + key;
      return read ? client.getAsync(k, level, false) : client.putAsync(k, value, level);
    }
  }
}
