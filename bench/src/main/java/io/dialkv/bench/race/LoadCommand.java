package io.dialkv.bench.race;

import com.google.gson.JsonObject;
import io.dialkv.cli.load.ClosedLoop;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * One store under the race's workloads, each a closed loop (the one dialkv's bench command runs)
 * after a warm-up: one JSON line per workload on stdout.
 */
@Command(name = "load", mixinStandardHelpOptions = true,
    description = {"Run the race's workloads against a running echo server, etcd or Cassandra.",
        "Prints one JSON line per workload: ops_per_second, p50_ms, p99_ms, errors."})
final class LoadCommand implements Callable<Integer> {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--store", required = true, description = "echo, etcd or cassandra.")
  String store;

  @Option(names = "--endpoints", required = true, split = ",", description = "host:port of every member.")
  List<String> endpoints;

  @Option(names = "--workloads", split = ",",
      description = "Workloads to run (default: every one the store has): " + "write-quorum, read-quorum, "
          + "read-one, write-linearizable, read-linearizable, cas, echo.")
  List<String> workloads;

  @Option(names = "--keys", defaultValue = "100000", description = "Keys, preloaded, chosen uniformly (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--value-size", defaultValue = "200", description = "Bytes per value (default: ${DEFAULT-VALUE}).")
  int valueSize;

  @Option(names = "--concurrency", defaultValue = "64", description = "Requests in flight (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--warmup-seconds", defaultValue = "15", description = "Unmeasured load first, per workload (default: ${DEFAULT-VALUE}).")
  int warmupSeconds;

  @Option(names = "--seconds", defaultValue = "20", description = "Measured load per workload (default: ${DEFAULT-VALUE}).")
  int seconds;

  @Option(names = "--no-preload", negatable = false, description = "Do not write every key first.")
  boolean noPreload;

  @Option(names = "--results", paramLabel = "FILE",
      description = "Append the JSON lines to FILE instead of printing them (the drivers log on stdout).")
  java.nio.file.Path results;

  private static final ClosedLoop LOOP = new ClosedLoop(LoadCommand::kindOf, cause -> false);

  private static String kindOf(Throwable cause) {
    String message = cause.getMessage() == null ? "" : cause.getMessage();
    if (cause instanceof io.grpc.StatusRuntimeException s) {
      return s.getStatus().getCode().name();
    }
    return cause.getClass().getSimpleName() + (message.length() > 60 ? "" : ": " + message);
  }

  @Override
  public Integer call() throws Exception {
    if (keys < 1 || valueSize < 0 || concurrency < 1 || seconds < 1 || warmupSeconds < 0) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--keys, --concurrency and --seconds must be at least 1, --value-size and --warmup-seconds at least 0");
    }
    byte[] value = new byte[valueSize];
    Arrays.fill(value, (byte) 'x');
    try (Store s = open(); PrintStream out = results == null ? new PrintStream(System.out, true)
        : new PrintStream(java.nio.file.Files.newOutputStream(results, java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND), true, java.nio.charset.StandardCharsets.UTF_8)) {
      List<String> run = workloads == null ? s.workloads() : workloads;
      for (String w : run) {
        if (!s.workloads().contains(w)) {
          throw new IllegalArgumentException(store + " has no workload " + w + "; it has " + s.workloads());
        }
      }
      if (!noPreload && !store.equals("echo")) {
        ClosedLoop.Result preload = LOOP.run(n -> s.preload(key(n), value), keys, concurrency, null);
        System.err.printf("%s: preloaded %d keys in %.1f s (%d errors)%n", store, keys, preload.seconds(), preload.failed());
      }
      for (String w : run) {
        String runId = Long.toHexString(System.nanoTime());
        if (warmupSeconds > 0) {
          LOOP.run(n -> request(s, w, runId + "w", value, n), Long.MAX_VALUE, concurrency,
              Duration.ofSeconds(warmupSeconds));
        }
        ClosedLoop.Result r = LOOP.run(n -> request(s, w, runId, value, n), Long.MAX_VALUE, concurrency,
            Duration.ofSeconds(seconds));
        JsonObject line = new JsonObject();
        line.addProperty("store", store);
        line.addProperty("workload", w);
        line.addProperty("concurrency", concurrency);
        line.addProperty("ops_per_second", Math.round(r.opsPerSecond() * 10) / 10.0);
        line.addProperty("p50_ms", ms(r.latencies().getValueAtPercentile(50)));
        line.addProperty("p99_ms", ms(r.latencies().getValueAtPercentile(99)));
        line.addProperty("errors", r.failed());
        line.addProperty("error_kinds", r.errors().toString());
        out.println(line);
        System.err.printf("%s %s: %.0f ops/s, p99 %.1f ms, %d errors %s%n", store, w, r.opsPerSecond(),
            ms(r.latencies().getValueAtPercentile(99)), r.failed(), r.failed() == 0 ? "" : r.errors());
      }
    }
    return 0;
  }

  private CompletableFuture<?> request(Store s, String workload, String runId, byte[] value, long n) {
    String key = workload.equals(Workloads.CAS)
        ? "race-cas-" + runId + "-" + n
        : key(ThreadLocalRandom.current().nextInt(keys));
    return s.request(workload, key, value, n);
  }

  private static String key(long n) {
    return "bench-" + n;
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 10_000.0) / 100.0;
  }

  private Store open() {
    return switch (store) {
      case "echo" -> new EchoStore(endpoints.get(0));
      case "etcd" -> new EtcdStore(endpoints);
      case "cassandra" -> new CassandraStore(endpoints);
      default -> throw new IllegalArgumentException("unknown store '" + store + "': echo, etcd or cassandra");
    };
  }
}
