package io.dialkv.cli.lab;

import com.google.gson.Gson;
import com.google.gson.reflect.TypeToken;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.harness.machine.Machines;
import io.dialkv.harness.machine.ThreadCpu;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every experiment needs: clusters of node processes on emulated machines, and the load
 * generator, {@code dialkv bench}, run on a machine of its own and read back as JSON. Every
 * cluster is closed (processes, namespaces, cgroups) before the next starts, and the lab checks
 * that nothing is left behind.
 */
final class Lab {
  private static final Logger log = LoggerFactory.getLogger(Lab.class);

  /**
   * @param nodeJar the node's shaded jar
   * @param cliJar the CLI's shaded jar, for the load generator
   * @param out where results, logs and the report go
   * @param seconds how long each measurement lasts
   * @param clientCpus the load generator's machine
   * @param linkDelayMillis added by every node to each message to a peer and each answer (0: none)
   */
  record Settings(Path nodeJar, Path cliJar, Path out, int seconds, double clientCpus, long linkDelayMillis) {}

  private final Settings settings;
  private final List<String> leftovers = new ArrayList<>();
  private int clusters;

  Lab(Settings settings) {
    this.settings = settings;
  }

  Settings settings() {
    return settings;
  }

  /** Anything a closed cluster left behind (namespaces, cgroups, processes): should stay empty. */
  List<String> leftovers() {
    return leftovers;
  }

  /** A cluster on machines; closing it removes both. */
  final class LabCluster implements AutoCloseable {
    final Machines machines;
    final ProcessCluster cluster;
    final Path dir;

    LabCluster(Machines machines, ProcessCluster cluster, Path dir) {
      this.machines = machines;
      this.cluster = cluster;
      this.dir = dir;
    }

    String endpoints() {
      return String.join(",", cluster.endpoints());
    }

    /**
     * Runs {@code dialkv bench} on the load generator's machine with the given arguments, the
     * endpoints, the admin certificate and JSON output added, and returns its JSON.
     */
    Map<String, Object> bench(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
      List<String> command = new ArrayList<>(List.of(
          java(), "-Xmx512m", "-XX:+UseSerialGC", "-cp", settings.cliJar().toString(), "io.dialkv.cli.DialCli", "bench",
          "-e", endpoints(), "--certs-dir", cluster.certsDir("admin").toString(), "-o", "json"));
      command.addAll(args);
      log.info("bench {}", String.join(" ", args));
      long wallStart = System.nanoTime();
      long cpuStart = machines.group(Machines.LOAD_GENERATOR) == null ? 0 : machines.group(Machines.LOAD_GENERATOR).cpuNanos();
      String out = machines.runToEnd(Machines.LOAD_GENERATOR, Machines.Size.of(settings.clientCpus()), command,
          dir.resolve("bench.log"), timeoutSeconds);
      double busy = (machines.group(Machines.LOAD_GENERATOR).cpuNanos() - cpuStart)
          / ((System.nanoTime() - wallStart) * settings.clientCpus());
      String json = lastJsonLine(out);
      if (json == null) {
        throw new IOException("the load generator printed no result; see " + dir.resolve("bench.log") + ": " + out);
      }
      Map<String, Object> result = new Gson().fromJson(json, new TypeToken<Map<String, Object>>() {}.getType());
      // How much of its cap the load generator used, start-up included: near 1, it was the bottleneck.
      result.put("client_cpu_busy", busy);
      return result;
    }

    @Override
    public void close() {
      cluster.close();
      machines.close();
      leftovers.addAll(machines.leftovers());
    }
  }

  private static String lastJsonLine(String out) {
    String found = null;
    for (String line : out.split("\n")) {
      if (line.startsWith("{")) {
        found = line;
      }
    }
    return found;
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Starts {@code n} nodes, each on a machine of the given size, and waits until all are up. */
  LabCluster start(int n, int replicationFactor, Machines.Size size, List<String> nodeArgs)
      throws IOException, InterruptedException {
    Path dir = settings.out().resolve("cluster-" + (++clusters) + "-n" + n);
    Files.createDirectories(dir);
    Machines machines = new Machines(n, size);
    ProcessCluster cluster;
    try {
      List<String> args = new ArrayList<>(nodeArgs);
      // Read repair would add background work of its own to the figures. Heartbeats every second
      // rather than every 250 ms: each node heartbeats every other, and on a machine of a tenth of
      // a core 8 nodes' heartbeats would take a quarter of it (measured).
      args.addAll(List.of("--read-repair-chance", "0", "--heartbeat-interval-ms", "1000"));
      if (settings.linkDelayMillis() > 0) {
        args.addAll(List.of("--link-delay-ms", String.valueOf(settings.linkDelayMillis())));
      }
      cluster = new ProcessCluster(n, replicationFactor, settings.nodeJar(), dir, true, machines.network(), machines,
          args, true);
    } catch (IOException | RuntimeException e) {
      machines.close();
      throw e;
    }
    LabCluster lab = new LabCluster(machines, cluster, dir);
    try {
      // A node on a fifth of a core takes a while to start its JVM.
      cluster.awaitHealthy(Duration.ofSeconds(180));
    } catch (RuntimeException | InterruptedException e) {
      lab.close();
      throw e;
    }
    return lab;
  }

  /** Saturated throughput: a closed loop with enough requests in flight to keep every node busy. */
  Measurement capacity(LabCluster c, String level, int concurrency) throws IOException, InterruptedException {
    long nodesCpu = nodesCpuNanos(c);
    long[] userSystem = nodesUserSystemNanos(c);
    ThreadCpu.Sample threads = nodesThreads(c);
    int warmup = Math.max(2000, concurrency * 40);
    // What the machines can do: the client sends all it has, without its own limit per node.
    Map<String, Object> r = c.bench(List.of("-c", level, "--concurrency", String.valueOf(concurrency),
        "--keys", "10000", "--ops", "100000000", "--warmup-ops", String.valueOf(warmup),
        "--time-limit", settings.seconds() + "s", "--no-client-limit"), settings.seconds() + 240L);
    // The nodes' CPU over the whole bench (preload of 10,000 keys, warm-up, measurement) per request.
    double requests = 10_000 + warmup + num(r, "ops");
    double cpuPerOp = (nodesCpuNanos(c) - nodesCpu) / 1e6 / requests;
    long[] userSystemAfter = nodesUserSystemNanos(c);
    ThreadCpu.Sample used = nodesThreads(c).minus(threads);
    return new Measurement(level, concurrency, num(r, "ops_per_second"), num(r, "p50_ms"), num(r, "p99_ms"), (long) num(r, "errors"),
        num(r, "client_cpu_busy"), cpuPerOp, CpuProfile.of(used, userSystemAfter[0] - userSystem[0],
            userSystemAfter[1] - userSystem[1], requests));
  }

  private static long[] nodesUserSystemNanos(LabCluster c) {
    long[] sum = new long[2];
    for (int id : c.cluster.nodeIds()) {
      long[] us = c.machines.group(id).userSystemNanos();
      sum[0] += Math.max(0, us[0]);
      sum[1] += Math.max(0, us[1]);
    }
    return sum;
  }

  private static ThreadCpu.Sample nodesThreads(LabCluster c) {
    ThreadCpu.Sample sum = ThreadCpu.Sample.empty();
    for (int id : c.cluster.nodeIds()) {
      sum = sum.plus(ThreadCpu.of(c.machines.group(id).pids()));
    }
    return sum;
  }

  /**
   * Where the nodes' CPU went per request, all nodes together: milliseconds per kind of thread,
   * the share spent in the kernel, and how many times the request loops were woken per request.
   */
  record CpuProfile(Map<String, Double> millisPerOpByThread, double kernelShare, double loopWakeupsPerOp) {
    static CpuProfile of(ThreadCpu.Sample used, long userNanos, long systemNanos, double requests) {
      Map<String, Double> byKind = new LinkedHashMap<>();
      for (ThreadCpu.Kind k : ThreadCpu.Kind.values()) {
        byKind.put(k.label(), used.cpuNanos().get(k) / 1e6 / requests);
      }
      double total = userNanos + systemNanos;
      return new CpuProfile(byKind, total > 0 ? systemNanos / total : Double.NaN,
          used.timesScheduled().get(ThreadCpu.Kind.REQUEST_LOOP) / requests);
    }

    /** "request loop 0.41, JIT compiler 0.12, ... ms; kernel 31%; 2.1 loop wake-ups" */
    String summary() {
      StringBuilder b = new StringBuilder();
      millisPerOpByThread.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ')
          .append(String.format("%.2f", v)));
      return b + String.format(" ms; kernel %.0f%%; %.1f loop wake-ups", 100 * kernelShare, loopWakeupsPerOp);
    }
  }

  private static long nodesCpuNanos(LabCluster c) {
    long sum = 0;
    for (int id : c.cluster.nodeIds()) {
      sum += Math.max(0, c.machines.group(id).cpuNanos());
    }
    return sum;
  }

  /** An open-loop run on the given schedule; the bench's JSON. */
  Map<String, Object> openLoop(LabCluster c, String level, String schedule, boolean verify, int warmupOps,
      List<String> extraArgs) throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("-c", level, "--keys", "10000", "--warmup-ops", String.valueOf(warmupOps),
        "--rate", schedule, "--timeout-ms", "2000"));
    args.addAll(extraArgs);
    if (verify) {
      args.add("--verify");
    }
    return c.bench(args, 900);
  }

  /** One closed-loop figure. */
  record Measurement(String level, int inFlight, double opsPerSecond, double p50Millis, double p99Millis, long errors,
      double clientBusy, double nodeCpuMillisPerOp, CpuProfile cpuProfile) {}

  static double num(Map<String, Object> json, String key) {
    Object v = json.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> perSecond(Map<String, Object> openLoopJson) {
    return (List<Map<String, Object>>) openLoopJson.get("per_second");
  }
}
