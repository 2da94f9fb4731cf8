package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A cluster run by the cluster scripts, as a user runs them, under a name of its own; closing it
 * stops whatever it started (nodes and Prometheus, by pid) and removes its folder, whatever the
 * test did.
 */
final class ScriptedCluster implements AutoCloseable {
  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  final String name;
  final Path dir;
  private final List<Long> pids = new ArrayList<>();

  record Run(int exit, String out) {}

  ScriptedCluster(String prefix) {
    this.name = prefix + ThreadLocalRandom.current().nextInt(1_000_000);
    this.dir = ROOT.resolve(".dialkv").resolve(name);
  }

  Run run(String script, String... args) throws Exception {
    return runWithInput("", script, args);
  }

  /** Runs a script with {@code input} as its standard input (then closed). */
  Run runWithInput(String input, String script, String... args) throws Exception {
    return run(Map.of(), input, script, args);
  }

  /** Runs a script with more environment variables set. */
  Run runWithEnv(Map<String, String> env, String script, String... args) throws Exception {
    return run(env, "", script, args);
  }

  private Run run(Map<String, String> env, String input, String script, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("cluster-scripts").resolve(script).toString()));
    command.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().put("DIALKV_CLUSTER", name);
    pb.environment().put("DIALKV_SKIP_BUILD", "1");
    pb.environment().remove("DIALKV_ENDPOINTS");
    pb.environment().remove("DIALKV_CERTS_DIR");
    pb.environment().putAll(env);
    Process p = pb.start();
    try (var stdin = p.getOutputStream()) {
      stdin.write(input.getBytes(StandardCharsets.UTF_8));
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).as(script + " finished").isTrue();
    rememberPids();
    return new Run(p.exitValue(), out);
  }

  /** A base port at which each of {@code offsets} (client ports, peer ports, ...) is free. */
  static int freeBase(List<Integer> offsets) throws IOException {
    for (int attempt = 0; attempt < 50; attempt++) {
      int base = 20_000 + ThreadLocalRandom.current().nextInt(30_000);
      if (offsets.stream().allMatch(d -> free(base + d))) {
        return base;
      }
    }
    throw new IOException("no free ports found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket(port)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The base port the cluster was started with. */
  int basePort() throws IOException {
    return Integer.parseInt(Files.readString(dir.resolve("cluster.env")).lines()
        .filter(l -> l.startsWith("BASE_PORT=")).findFirst().orElseThrow().substring(10));
  }

  /** Every pid the scripts recorded so far, nodes and Prometheus. */
  List<Long> pids() {
    return List.copyOf(pids);
  }

  private void rememberPids() throws IOException {
    List<Path> files = new ArrayList<>();
    Path nodes = dir.resolve("pids");
    if (Files.isDirectory(nodes)) {
      try (Stream<Path> list = Files.list(nodes)) {
        files.addAll(list.toList());
      }
    }
    files.add(dir.resolve("prometheus/prometheus.pid"));
    for (Path f : files) {
      if (Files.isRegularFile(f)) {
        long pid = Long.parseLong(Files.readString(f).strip());
        if (!pids.contains(pid)) {
          pids.add(pid);
        }
      }
    }
  }

  @Override
  public void close() throws IOException {
    rememberPids();
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (Files.exists(dir)) {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }
}
