package io.dialkv.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One dialkv node running as its own process, from the node's shaded jar. */
final class NodeProcess {
  private final int id;
  private final int port;
  private final List<String> command;
  private final Path log;
  private Process process;

  NodeProcess(int id, int port, String peers, int replicationFactor, Path dir) {
    this.id = id;
    this.port = port;
    this.log = dir.resolve("n" + id + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = System.getProperty("dialkv.node.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException(
          "node jar " + jar + " not found; build it with ./mvnw -B package (the tests module needs it)");
    }
    command = new ArrayList<>(List.of(
        java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-jar", jar,
        "--node-id", String.valueOf(id),
        "--listen", "127.0.0.1:" + port,
        "--peers", peers,
        "--replication-factor", String.valueOf(replicationFactor),
        "--data-dir", dir.resolve("data-n" + id).toString()));
  }

  int id() {
    return id;
  }

  String endpoint() {
    return "127.0.0.1:" + port;
  }

  Path log() {
    return log;
  }

  void start() throws IOException {
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
  }

  boolean isAlive() {
    return process != null && process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** SIGKILL: the process gets no chance to flush or close anything. */
  void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM, then the exit code (SIGKILL if it does not stop in 15 s). */
  int stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return process == null ? -1 : process.exitValue();
    }
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    return process.exitValue();
  }
}
