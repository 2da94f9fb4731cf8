package io.dialkv.harness.machine;

import io.dialkv.harness.NetnsNetwork;
import io.dialkv.harness.NodeLauncher;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Emulated machines on one Linux host: each has its own network namespace and address (a
 * {@link NetnsNetwork}) and its own CPU and memory cap (a {@link Cgroup}), so that N nodes behave
 * like N small computers on a LAN rather than N processes fighting over the same cores. Nodes are
 * machines 1..N; a load generator is a machine too ({@link #LOAD_GENERATOR}), with its own cap, so
 * the CPU it uses is not taken from the nodes it measures.
 *
 * <p>Closing removes every namespace and group made, killing anything still running in them;
 * a shutdown hook does the same if the JVM dies first. Linux and root only.
 */
public final class Machines implements NodeLauncher, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Machines.class);

  /** The host number of the load generator's machine. */
  public static final int LOAD_GENERATOR = 200;

  /** How big one machine is. */
  public record Size(double cpus, long memoryBytes) {
    public static Size of(double cpus) {
      return new Size(cpus, 768L << 20);
    }
  }

  private final NetnsNetwork network;
  private final Map<Integer, Size> sizes = new LinkedHashMap<>();
  private final Map<Integer, Cgroup> groups = new LinkedHashMap<>();
  private final List<Process> started = new ArrayList<>();
  private final Thread reaper;
  private boolean closed;

  /** Whether this host can emulate machines, and if not, why not (null when it can). */
  public static String unavailableBecause() {
    if (!NetnsNetwork.available()) {
      return "emulated machines need Linux, root, iproute2 and iptables";
    }
    if (!Cgroup.available()) {
      return "emulated machines need cgroup v2 with the cpu and memory controllers, or cgroup v1 cpu and memory";
    }
    return null;
  }

  /** Machines 1..count of the given size; more can be added with {@link #prepare}. */
  public Machines(int count, Size size) throws IOException, InterruptedException {
    this.network = new NetnsNetwork(0);
    reaper = new Thread(this::closeQuietly, "remove-machines-" + network.prefix());
    Runtime.getRuntime().addShutdownHook(reaper);
    try {
      for (int id = 1; id <= count; id++) {
        add(id, size);
      }
    } catch (IOException | RuntimeException | InterruptedException e) {
      closeQuietly();
      throw e;
    }
  }

  /** Adds machine {@code id} of the given size. */
  public synchronized void add(int id, Size size) throws IOException, InterruptedException {
    network.addHost(id);
    sizes.put(id, size);
    groups.put(id, new Cgroup(network.prefix() + "m" + id, size.cpus(), size.memoryBytes()));
    log.info("machine {}: {} cores, {} MiB, address {}", id, size.cpus(), size.memoryBytes() >> 20, network.address(id));
  }

  /** The size new machines get when a node is added (that of machine 1). */
  @Override
  public synchronized void prepare(int id) throws IOException, InterruptedException {
    if (!groups.containsKey(id)) {
      add(id, sizes.values().iterator().next());
    }
  }

  @Override
  public List<String> wrap(int id, List<String> command) {
    Cgroup group;
    synchronized (this) {
      group = groups.get(id);
    }
    if (group == null) {
      throw new IllegalStateException("no machine " + id);
    }
    return group.wrap(network.inNamespace(id, command));
  }

  @Override
  public String host(int id) {
    return network.address(id);
  }

  public NetnsNetwork network() {
    return network;
  }

  public synchronized Cgroup group(int id) {
    return groups.get(id);
  }

  /**
   * Starts a command on a machine of its own (made with the given size if it does not exist yet),
   * its output appended to {@code log}. The machine's address is {@link #host(int)}.
   */
  public Process run(int id, Size size, List<String> command, Path logFile) throws IOException, InterruptedException {
    synchronized (this) {
      if (!groups.containsKey(id)) {
        add(id, size);
      }
    }
    Process p = new ProcessBuilder(wrap(id, command))
        .redirectErrorStream(false)
        .redirectError(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .start();
    synchronized (this) {
      started.add(p);
    }
    return p;
  }

  /** Runs a command on a machine and returns what it printed, failing if it exits non-zero. */
  public String runToEnd(int id, Size size, List<String> command, Path logFile, long timeoutSeconds)
      throws IOException, InterruptedException {
    Process p = run(id, size, command, logFile);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException("command on machine " + id + " did not finish in " + timeoutSeconds + " s");
    }
    return out;
  }

  /**
   * What this lab left behind: namespaces, groups and processes that still exist. Empty after
   * {@link #close()}.
   */
  public List<String> leftovers() {
    List<String> left = new ArrayList<>();
    try {
      Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
      String list = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor(10, TimeUnit.SECONDS);
      for (String line : list.split("\n")) {
        if (line.startsWith(network.prefix())) {
          left.add("namespace " + line.split(" ")[0]);
        }
      }
      Process links = new ProcessBuilder("ip", "-o", "link", "show").redirectErrorStream(true).start();
      String linkList = new String(links.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      links.waitFor(10, TimeUnit.SECONDS);
      if (linkList.contains(network.prefix() + "br")) {
        left.add("bridge " + network.prefix() + "br");
      }
    } catch (IOException e) {
      left.add("could not list namespaces: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    synchronized (this) {
      for (Cgroup g : groups.values()) {
        if (!g.removed()) {
          left.add("cgroup " + g.name());
        }
      }
      for (Process p : started) {
        if (p.isAlive()) {
          left.add("process " + p.pid());
        }
      }
    }
    return left;
  }

  private void closeQuietly() {
    List<Cgroup> toRemove;
    List<Process> toKill;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toRemove = new ArrayList<>(groups.values());
      toKill = new ArrayList<>(started);
    }
    for (Process p : toKill) {
      p.destroyForcibly();
    }
    for (Cgroup g : toRemove) {
      g.close(); // kills what is left in it: only processes this lab started there
    }
    network.close();
  }

  @Override
  public void close() {
    closeQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running already
    }
  }
}
