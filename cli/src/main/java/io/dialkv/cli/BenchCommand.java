package io.dialkv.cli;

import io.dialkv.client.DialClient;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Consistency;
import java.io.PrintWriter;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * A closed-loop load generator: keeps {@code --concurrency} requests in flight, each new request
 * sent as soon as one completes, requests spread over the endpoints in turn. Latency is measured
 * per request with HdrHistogram; a warm-up phase runs first and is not counted.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure throughput and latency at one consistency level.",
      "Keeps --concurrency requests in flight over a read/write mix on --keys keys, after a",
      "preload of every key and a warm-up; prints ops/s and p50/p99/p99.9 latency."
    })
final class BenchCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;
  @Mixin LevelOption level;

  @Option(names = "--ops", defaultValue = "100000", description = "Measured operations (default: ${DEFAULT-VALUE}).")
  long ops;

  @Option(names = "--warmup-ops", defaultValue = "20000", description = "Operations run first and not measured (default: ${DEFAULT-VALUE}).")
  long warmupOps;

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

  @Override
  public Integer call() throws InterruptedException {
    String invalid = invalidOptions();
    if (invalid != null) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), invalid);
    }
    PrintWriter out = spec.commandLine().getOut();
    try (DialClient c = client.connect()) {
      byte[] value = new byte[valueSize];
      java.util.Arrays.fill(value, (byte) 'x');
      Consistency consistency = level.proto();
      if (preload) {
        Run load = new Run(c, consistency, value, 0.0, keys, true, false);
        load.execute(keys, concurrency);
      }
      if (warmupOps > 0) {
        new Run(c, consistency, value, readRatio, keys, false, cas).execute(warmupOps, concurrency);
      }
      Run run = new Run(c, consistency, value, readRatio, keys, false, cas);
      Map<String, Long> before = requestsPerNode(c);
      long start = System.nanoTime();
      run.execute(ops, concurrency);
      double seconds = (System.nanoTime() - start) / 1e9;
      Histogram h = run.latencies.getIntervalHistogram();
      long failed = run.errors.values().stream().mapToLong(LongAdder::sum).sum();
      double opsPerSecond = (ops - failed) / seconds;
      Map<String, Long> sent = requestsPerNode(c);
      sent.replaceAll((node, n) -> n - before.getOrDefault(node, 0L));
      if (client.json()) {
        out.printf(
            "{\"consistency\": \"%s\", \"concurrency\": %d, \"read_ratio\": %s, \"ops\": %d, \"seconds\": %.3f,"
                + " \"ops_per_second\": %.1f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"p999_ms\": %.3f,"
                + " \"max_ms\": %.3f, \"errors\": %d, \"balancer\": \"%s\", \"requests_per_node\": %s}%n",
            consistency, concurrency, readRatio, ops, seconds, opsPerSecond,
            ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
            ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), failed, c.balancer(),
            new com.google.gson.Gson().toJson(sent));
      } else {
        out.printf("%s  concurrency %d  %s  %d ops in %.2f s over %d endpoints%n",
            cas ? "LINEARIZABLE compare-and-set" : consistency, concurrency,
            cas ? "fresh keys" : String.format("read ratio %.2f", readRatio), ops, seconds, c.endpoints().size());
        out.printf("throughput  %.0f ops/s%n", opsPerSecond);
        out.printf("latency     p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms%n",
            ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(99)),
            ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()));
        out.printf("errors      %d%s%n", failed, failed == 0 ? "" : " " + new TreeMap<>(run.errors));
        long total = sent.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder line = new StringBuilder();
        sent.forEach((node, n) -> line.append(String.format("  %s %.1f%%", node, total == 0 ? 0.0 : 100.0 * n / total)));
        out.printf("balancer    %s, requests per node:%s%n", c.balancer(), line);
      }
      return failed == 0 ? ExitCodes.OK : ExitCodes.FAILURE;
    }
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

  /** One phase: a fixed number of operations with a fixed number in flight. */
  private static final class Run {
    private final DialClient client;
    private final Consistency level;
    private final byte[] value;
    private final double readRatio;
    private final int keys;
    private final boolean sequentialWrites;
    private final boolean cas;
    private final AtomicLong issued = new AtomicLong();
    private static final AtomicLong CAS_KEYS = new AtomicLong();
    private final Recorder latencies = new Recorder(3);
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final SplittableRandom random = new SplittableRandom(42);

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

    void execute(long total, int concurrency) throws InterruptedException {
      CountDownLatch done = new CountDownLatch(concurrency);
      for (int i = 0; i < concurrency; i++) {
        next(total, done);
      }
      if (!done.await(30, TimeUnit.MINUTES)) {
        throw new IllegalStateException("bench did not finish in 30 minutes");
      }
    }

    private void next(long total, CountDownLatch done) {
      long n = issued.getAndIncrement();
      if (n >= total) {
        done.countDown();
        return;
      }
      boolean read;
      int key;
      synchronized (random) {
        read = random.nextDouble() < readRatio;
        key = sequentialWrites ? (int) n : random.nextInt(keys);
      }
      String k = "bench-" + key;
      long start = System.nanoTime();
      CompletableFuture<?> op =
          cas ? client.compareAndSetAsync("bench-cas-" + System.nanoTime() + "-" + CAS_KEYS.incrementAndGet(), null, value)
              : read ? client.getAsync(k, level, false) : client.putAsync(k, value, level);
      op.whenComplete(
          (r, failure) -> {
            latencies.recordValue(System.nanoTime() - start);
            if (failure != null) {
              Throwable cause =
                  failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              String kind = cause instanceof DialException d ? d.kind().name() : cause.getClass().getSimpleName();
              errors.computeIfAbsent(kind, x -> new LongAdder()).increment();
            }
            next(total, done);
          });
    }
  }
}
