package io.dialkv.harness;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The second partition back-end: each node in its own Linux network namespace with its own
 * address, all joined by a bridge, and partitions made with iptables inside the namespaces, so that
 * real packets are dropped in the kernel (the sender sees silence, then a timeout). Linux and root
 * only, with iproute2 and iptables installed.
 *
 * <p>Addresses are 10.213.S.N/24 for node N on a random subnet S; the bridge, in the caller's
 * namespace, is .254 so that clients there reach every node. Everything is removed on close, and
 * by a shutdown hook if the JVM dies first.
 */
public final class NetnsNetwork implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NetnsNetwork.class);

  private final String prefix;
  private final int subnet;
  private final List<Integer> hosts = new ArrayList<>();
  private final Thread reaper;
  private boolean closed;

  /** Whether this machine can do it: root, {@code ip} and {@code iptables} present. */
  public static boolean available() {
    try {
      return run(List.of("id", "-u")).trim().equals("0")
          && run(List.of("ip", "-V")) != null
          && run(List.of("iptables", "--version")) != null;
    } catch (IOException | RuntimeException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public NetnsNetwork(int size) throws IOException, InterruptedException {
    Random random = new Random();
    this.prefix = "dkv" + Integer.toHexString(0x1000 + random.nextInt(0xefff));
    this.subnet = 1 + random.nextInt(250);
    reaper = new Thread(this::closeQuietly, "remove-" + prefix);
    Runtime.getRuntime().addShutdownHook(reaper);
    try {
      String bridge = prefix + "br";
      run(List.of("ip", "link", "add", bridge, "type", "bridge"));
      run(List.of("ip", "addr", "add", "10.213." + subnet + ".254/24", "dev", bridge));
      run(List.of("ip", "link", "set", bridge, "up"));
      for (int node = 1; node <= size; node++) {
        addHost(node);
      }
      log.info("network namespaces {}n1..{} on 10.213.{}.0/24", prefix, size, subnet);
    } catch (IOException | RuntimeException | InterruptedException e) {
      closeQuietly();
      throw e;
    }
  }

  /**
   * Adds host {@code n} (1 to 253): its own namespace and address on the bridge, for a node that
   * joins later or for a load generator.
   */
  public synchronized void addHost(int n) throws IOException, InterruptedException {
    if (n < 1 || n > 253 || hosts.contains(n)) {
      throw new IllegalArgumentException("host " + n + " is taken or not 1 to 253");
    }
    String ns = namespace(n);
    String veth = prefix + "v" + n;
    hosts.add(n);
    run(List.of("ip", "netns", "add", ns));
    run(List.of("ip", "link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", ns));
    run(List.of("ip", "link", "set", veth, "master", prefix + "br", "up"));
    run(List.of("ip", "-n", ns, "link", "set", "lo", "up"));
    run(List.of("ip", "-n", ns, "addr", "add", address(n) + "/24", "dev", "eth0"));
    run(List.of("ip", "-n", ns, "link", "set", "eth0", "up"));
  }

  /** The names of the namespaces this network made and still has. */
  public synchronized List<String> namespaces() {
    return hosts.stream().map(this::namespace).toList();
  }

  /** The prefix of every name this network gives (namespaces, links, the bridge). */
  public String prefix() {
    return prefix;
  }

  public String namespace(int node) {
    return prefix + "n" + node;
  }

  public String address(int node) {
    return "10.213." + subnet + "." + node;
  }

  /** The command, run inside the node's namespace. */
  public List<String> inNamespace(int node, List<String> command) {
    List<String> wrapped = new ArrayList<>(List.of("ip", "netns", "exec", namespace(node)));
    wrapped.addAll(command);
    return wrapped;
  }

  /** Replaces the node's firewall: packets to and from the given peers are dropped. */
  public void block(int node, Collection<Integer> peers) throws IOException, InterruptedException {
    String ns = namespace(node);
    run(List.of("ip", "netns", "exec", ns, "iptables", "-F"));
    for (int peer : peers) {
      run(List.of("ip", "netns", "exec", ns, "iptables", "-A", "INPUT", "-s", address(peer), "-j", "DROP"));
      run(List.of("ip", "netns", "exec", ns, "iptables", "-A", "OUTPUT", "-d", address(peer), "-j", "DROP"));
    }
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + ": timed out");
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed (" + p.exitValue() + "): " + output.trim());
    }
    return output;
  }

  private void closeQuietly() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    List<Integer> made;
    synchronized (this) {
      made = List.copyOf(hosts);
      hosts.clear();
    }
    for (int host : made) {
      tryRun(List.of("ip", "netns", "del", namespace(host)));
    }
    tryRun(List.of("ip", "link", "del", prefix + "br"));
  }

  private static void tryRun(List<String> command) {
    try {
      run(command);
    } catch (IOException e) {
      // already gone
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
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
