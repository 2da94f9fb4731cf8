package io.dialkv.harness;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** One dialkv node running as its own process, from the node's shaded jar. */
public final class NodeProcess {
  private final int id;
  private final int port;
  private final int peerPort;
  private final List<String> command;
  private final Path log;
  private final Path dataDir;
  private Process process;

  private final String host;

  /**
   * @param membership how the node finds its cluster: {@code --peers ... --replication-factor N}
   *     for a founding member, {@code --join SEEDS} for one added later
   * @param security {@code --certs-dir DIR --tokens-file FILE}, or {@code --insecure}
   */
  NodeProcess(int id, String host, int port, int peerPort, List<String> membership, List<String> security,
      Path dir, Path nodeJar, List<String> extraArgs, NodeLauncher launcher) {
    this.id = id;
    this.host = host;
    this.port = port;
    this.peerPort = peerPort;
    this.log = dir.resolve("n" + id + ".log");
    this.dataDir = dir.resolve("data-n" + id);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    command = new ArrayList<>(List.of(
        java, "-Xmx256m", "-XX:MaxDirectMemorySize=256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-jar", nodeJar.toString(),
        "--node-id", String.valueOf(id),
        "--listen", host + ":" + port,
        "--peer-listen", host + ":" + peerPort,
        "--data-dir", dataDir.toString()));
    command.addAll(membership);
    command.addAll(security);
    command.addAll(extraArgs);
    List<String> wrapped = new ArrayList<>(launcher.wrap(id, command)); // a copy: LOCAL returns the list itself
    command.clear();
    command.addAll(wrapped);
  }

  public int id() {
    return id;
  }

  /** Deletes the node's data directory, as a lost disk would; only while the node is not running. */
  public void wipeData() throws IOException {
    if (isAlive()) {
      throw new IllegalStateException("n" + id + " is running; stop it before wiping its data");
    }
    if (java.nio.file.Files.exists(dataDir)) {
      try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dataDir)) {
        for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
          java.nio.file.Files.delete(p);
        }
      }
    }
  }

  /** The client port, host:port. */
  public String endpoint() {
    return host + ":" + port;
  }

  /** The peer port, host:port: where the other nodes reach it. */
  public String peerEndpoint() {
    return host + ":" + peerPort;
  }

  public Path log() {
    return log;
  }

  public void start() throws IOException {
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
  }

  /** The process id, while it runs. */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: the process gets no chance to flush or close anything. */
  public void kill() throws InterruptedException {
    if (process != null) {
      resume(); // a stopped process would hold its exit until continued
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
  }

  /** SIGTERM, then the exit code (SIGKILL if it does not stop in 15 s). */
  public int stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return process == null ? -1 : process.exitValue();
    }
    resume();
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    return process.exitValue();
  }

  /** SIGSTOP: the process freezes, its sockets stay open. */
  public void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  public void resume() throws InterruptedException {
    try {
      signal("CONT");
    } catch (IOException e) {
      // no kill command: nothing was paused either
    }
  }

  private void signal(String name) throws IOException, InterruptedException {
    if (process != null && process.isAlive()) {
      new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid()))
          .redirectErrorStream(true)
          .start()
          .waitFor(5, TimeUnit.SECONDS);
    }
  }
}
