package io.dialkv.core.sim;

import io.dialkv.core.node.ClusterView;
import io.dialkv.core.node.DialNode;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.storage.InMemoryStorage;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.IntStream;

/**
 * A whole dialkv cluster in one JVM, on one virtual-time event loop: real nodes (coordinator,
 * replicas, failure detector) over the in-memory seams. Tests partition, delay, crash and restart
 * nodes, and every run replays exactly from its seed.
 */
public final class SimCluster {
  private final SimWorld world;
  private final SimNetwork network;
  private final Map<Integer, NodeConfig> configs = new TreeMap<>();
  private final Map<Integer, InMemoryStorage> disks = new HashMap<>();
  private final Map<Integer, SimClock> clocks = new HashMap<>();
  private final Map<Integer, SimScheduler> schedulers = new HashMap<>();
  private final Map<Integer, DialNode> nodes = new TreeMap<>();
  private boolean syncWrites;

  /** How often the simulated operating system writes its page cache back to disk (Linux: 5 s). */
  static final Duration OS_WRITE_BACK = Duration.ofSeconds(5);

  private SimCluster(long seed) {
    this.world = new SimWorld(seed);
    this.network = new SimNetwork(world);
  }

  /** Nodes 1..size with the default configuration and the given replication factor, started. */
  public static SimCluster start(int size, int replicationFactor, long seed) {
    return start(size, seed, c -> c.withReplicationFactor(replicationFactor));
  }

  /** Nodes 1..size, each configuration adjusted by {@code configure}, started and all up. */
  public static SimCluster start(int size, long seed, UnaryOperator<NodeConfig> configure) {
    return start(size, seed, configure, SimWire.IN_MEMORY);
  }

  /** As {@link #start(int, long, UnaryOperator)}, every message crossing {@code wire}. */
  public static SimCluster start(int size, long seed, UnaryOperator<NodeConfig> configure, SimWire wire) {
    SimCluster cluster = new SimCluster(seed);
    cluster.network.setWire(wire);
    Map<Integer, String> members = new TreeMap<>();
    IntStream.rangeClosed(1, size).forEach(id -> members.put(id, "sim:" + id));
    for (int id : members.keySet()) {
      cluster.configs.put(id, configure.apply(NodeConfig.defaults(id, members)));
      cluster.disks.put(id, cluster.newDisk());
      cluster.clocks.put(id, new SimClock(cluster.world));
      cluster.boot(id);
    }
    cluster.awaitAllUp();
    return cluster;
  }

  private void boot(int id) {
    boot(id, false);
  }

  private void boot(int id, boolean join) {
    disks.get(id).syncWrites(syncWrites);
    SimScheduler scheduler = new SimScheduler(world, id);
    schedulers.put(id, scheduler);
    DialNode node =
        new DialNode(
            configs.get(id), network.transportFor(id), disks.get(id), clocks.get(id), scheduler);
    if (join) {
      node.announceJoining();
    }
    nodes.put(id, node);
    network.attach(id, node, scheduler);
    node.start();
  }

  /**
   * Starts a new node that joins the running cluster, knowing the members the others were started
   * with (as a node started with {@code --join} learns them from a seed). It joins in the
   * background; {@link DialNode#joined()} completes when it serves.
   */
  public DialNode startJoining(int id) {
    if (configs.containsKey(id)) {
      throw new IllegalArgumentException("n" + id + " was already started in this cluster");
    }
    NodeConfig any = configs.values().iterator().next();
    Map<Integer, String> members = new TreeMap<>(any.members());
    members.put(id, "sim:" + id);
    configs.put(id, any.withMembers(members).withNodeId(id));
    disks.put(id, newDisk());
    clocks.put(id, new SimClock(world));
    boot(id, true);
    return node(id);
  }

  /**
   * Runs every node's storage as with {@code --sync-writes} (a write is acknowledged once on disk)
   * or without (once out of the process; a power loss may lose it until the page cache is written
   * back). Without is the default, as it is for a node.
   */
  public void syncWrites(boolean on) {
    syncWrites = on;
    disks.values().forEach(d -> d.syncWrites(on));
  }

  /**
   * Cuts the node's power: it stops as a crash stops it, and its disk loses what the operating
   * system had not written back yet (nothing acknowledged with {@link #syncWrites}).
   */
  public void powerLoss(int id) {
    schedulers.get(id).crash();
    nodes.remove(id);
    network.crash(id);
    disks.get(id).crashLosingPower();
  }

  /** A node's empty disk, its page cache written back every {@link #OS_WRITE_BACK} of virtual time. */
  private InMemoryStorage newDisk() {
    InMemoryStorage disk = new InMemoryStorage();
    disk.writeBackEvery(OS_WRITE_BACK, world::nowNanos);
    return disk;
  }

  /** Whether the node is running (not crashed, not stopped). */
  public boolean isRunning(int id) {
    return nodes.containsKey(id);
  }

  public SimWorld world() {
    return world;
  }

  public SimNetwork network() {
    return network;
  }

  public DialNode node(int id) {
    DialNode node = nodes.get(id);
    if (node == null) {
      throw new IllegalStateException("n" + id + " is not running");
    }
    return node;
  }

  public List<Integer> nodeIds() {
    return List.copyOf(configs.keySet());
  }

  public InMemoryStorage disk(int id) {
    return disks.get(id);
  }

  public SimClock clock(int id) {
    return clocks.get(id);
  }

  /**
   * Kills the node: its pending work is lost, its disk is kept, but for what was stored since the
   * last write-out of its log (nothing it acknowledged: every answer waits for that write-out).
   */
  public void crash(int id) {
    schedulers.get(id).crash();
    nodes.remove(id);
    network.crash(id);
    disks.get(id).crashLosingUnsynced();
  }

  /**
   * Stops the node as SIGSTOP does: nothing it would do happens, and nothing sent to it is handled,
   * until {@link #resume}; its peers see it go silent.
   */
  public void pause(int id) {
    schedulers.get(id).pause();
  }

  /** Continues a paused node: what it missed runs at once. */
  public void resume(int id) {
    schedulers.get(id).resume();
  }

  /**
   * Runs a client's request on a node, as that node's client port would: held while the node is
   * paused, refused if it is not running.
   */
  public <T> CompletableFuture<T> onNode(int id, Function<DialNode, CompletableFuture<T>> request) {
    CompletableFuture<T> answer = new CompletableFuture<>();
    DialNode node = nodes.get(id);
    if (node == null) {
      answer.completeExceptionally(new IllegalStateException("n" + id + " is not running"));
      return answer;
    }
    schedulers.get(id).runOrHold(() -> {
      if (nodes.get(id) != node) {
        return; // crashed while the request waited: the client's own deadline answers it
      }
      request.apply(node).whenComplete((value, failure) -> {
        if (failure != null) {
          answer.completeExceptionally(failure);
        } else {
          answer.complete(value);
        }
      });
    });
    return answer;
  }

  /** Starts a crashed node again on its old disk. */
  public void restart(int id) {
    disks.get(id).reopen();
    boot(id);
  }

  /** Starts a crashed node again on an empty disk, as after losing its data directory. */
  public void restartWiped(int id) {
    disks.put(id, newDisk());
    boot(id);
  }

  /** Runs the simulation until the future completes and returns its value (or throws its error). */
  public <T> T await(CompletableFuture<T> future) {
    world.runUntil(future::isDone, Duration.ofMinutes(5));
    try {
      return future.join();
    } catch (CompletionException e) {
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw e;
    }
  }

  /** Runs the simulation until {@code observer} sees {@code subject} as up (or down). */
  public void awaitSeen(int observer, int subject, boolean alive) {
    world.runUntil(() -> seesAlive(observer, subject) == alive, Duration.ofMinutes(1));
  }

  /** Runs until every running node sees every running node that is a member as up. */
  public void awaitAllUp() {
    world.runUntil(
        () ->
            nodes.keySet().stream()
                .allMatch(
                    observer -> nodes.keySet().stream()
                        .allMatch(subject -> seesAlive(observer, subject) != Boolean.FALSE)),
        Duration.ofMinutes(1));
  }

  /** Whether the observer sees the subject up; null if the subject is not among its members. */
  private Boolean seesAlive(int observer, int subject) {
    return await(node(observer).topology()).nodes().stream()
        .filter(m -> m.nodeId() == subject)
        .map(ClusterView.Member::alive)
        .findFirst()
        .orElse(null);
  }

  /**
   * A key starting with {@code prefix} whose first replica (its preferred proposer for
   * linearizable operations) is {@code node}.
   */
  public String keyFirstOn(int node, String prefix) {
    for (int i = 0; ; i++) {
      String key = prefix + i;
      if (node(node).ring().replicasFor(key).get(0) == node) {
        return key;
      }
    }
  }

  public void runFor(Duration duration) {
    world.runFor(duration);
  }
}
