package io.dialkv.harness.sim;

import io.dialkv.checker.history.Op;
import io.dialkv.client.DialException;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Consistency;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import io.dialkv.core.node.DialNode;
import io.dialkv.core.node.FailureKind;
import io.dialkv.core.sim.SimCluster;
import io.dialkv.core.sim.SimWire;
import io.dialkv.core.sim.SimWorld;
import io.dialkv.harness.Analysis;
import io.dialkv.harness.LevelResult;
import io.dialkv.harness.Nemesis;
import io.dialkv.harness.ProfileResult;
import io.dialkv.harness.ProfileWorkload;
import io.dialkv.harness.Recorder;
import io.dialkv.harness.RegisterWorkload;
import io.dialkv.harness.TestRun;
import io.dialkv.wire.ProtobufSimWire;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * One partition test in simulation: the partition test's register workloads, nemesis and analysis
 * ({@link TestRun} runs the same against node processes), on a {@link SimCluster} in virtual time,
 * every choice drawn from one seed. The same seed gives the same history, event for event.
 *
 * <p>Single-threaded and self-contained: many run side by side on different threads.
 */
public final class Simulation {
  /**
   * The nemeses a simulation runs: every process nemesis, and the faults only a simulation gives:
   * {@code lossy} (messages lost and duplicated), {@code swizzle} (nodes cut off one by one and
   * healed in another order), {@code clocks} (drift and jumps) and {@code membership-under-faults}
   * (a join or decommission with another fault at once), and {@code power-loss} and {@code
   * power-loss-unsynced} (a node's power cut, its nodes run with and without {@code --sync-writes}).
   */
  public static final List<String> NEMESES = java.util.stream.Stream.concat(
      Nemesis.NAMES.stream(), java.util.stream.Stream.of("lossy", "swizzle", "clocks", "membership-under-faults",
          "power-loss", "power-loss-unsynced"))
      .toList();

  /** How long a simulated client waits for an answer, as the harness's real clients do. */
  static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(3);
  /** Virtual time a run may take at most before it is called stuck. */
  static final Duration RUN_LIMIT = Duration.ofMinutes(10);

  /**
   * @param seed the one source of every choice in the run
   * @param nodes cluster size
   * @param replicationFactor replicas per key
   * @param levels consistency levels run side by side (ONE, QUORUM, ALL, LINEARIZABLE)
   * @param nemesis one of {@link Nemesis#NAMES}, or {@code lossy} (messages lost and duplicated)
   * @param opsPerLevel operations the clients of one level invoke in all
   * @param keysPerLevel registers per level
   * @param clientsPerNode clients per node per level
   * @param thinkTime mean pause between a client's operations
   * @param fault how long each fault lasts
   * @param heal how long the cluster is left healthy between faults
   * @param checkBudget time the linearizability checker may take per level (real time)
   * @param buggify whether the core's {@link io.dialkv.core.time.Buggify} sites may fire (each
   *     enabled for the run at one in four, firing at one in four of its calls)
   */
  public record Options(
      long seed,
      int nodes,
      int replicationFactor,
      List<String> levels,
      String nemesis,
      int opsPerLevel,
      int keysPerLevel,
      int clientsPerNode,
      Duration thinkTime,
      Duration fault,
      Duration heal,
      Duration checkBudget,
      boolean buggify) {

    public static final List<String> LEVELS = List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE");

    /**
     * 5 nodes, RF 3, every level, 200 operations per level on 3 keys, 1 s faults 0.5 s apart, the
     * core's fault sites on.
     */
    public static Options defaults(long seed, String nemesis) {
      return new Options(seed, 5, 3, LEVELS, nemesis, 200, 3, 1, Duration.ofMillis(100),
          Duration.ofMillis(1000), Duration.ofMillis(500), Duration.ofSeconds(20), true);
    }

    public Options withSeed(long s) {
      return new Options(s, nodes, replicationFactor, levels, nemesis, opsPerLevel, keysPerLevel, clientsPerNode,
          thinkTime, fault, heal, checkBudget, buggify);
    }

    public Options withBuggify(boolean on) {
      return new Options(seed, nodes, replicationFactor, levels, nemesis, opsPerLevel, keysPerLevel, clientsPerNode,
          thinkTime, fault, heal, checkBudget, on);
    }

    public Options with(String otherNemesis, List<String> otherLevels, int ops, int nodeCount) {
      return new Options(seed, nodeCount, Math.min(replicationFactor, nodeCount), otherLevels, otherNemesis, ops,
          keysPerLevel, clientsPerNode, thinkTime, fault, heal, checkBudget, buggify);
    }

    /** The command line that replays this run. */
    public String replayCommand() {
      return "dialkv simulate --seed " + seed + " --nemesis " + nemesis + " --levels " + String.join(",", levels)
          + " --ops " + opsPerLevel + " --nodes " + nodes + (buggify ? "" : " --no-buggify");
    }
  }

  /**
   * What one run produced.
   *
   * @param levels one row per level, as the partition test's report has
   * @param profiles the profile updates per level, and which the final profiles lost
   * @param violations each broken promise, described (empty: every level kept its promise)
   * @param allowed anomalies the level's promise allows (stale reads at ONE, lost updates under
   *     clock skew), described
   * @param simulatedNanos virtual time the run took
   * @param buggified the core's fault sites the run enabled (of those it reached)
   */
  public record Result(
      Options options,
      List<Op> history,
      List<LevelResult> levels,
      List<ProfileResult> profiles,
      List<Analysis.FaultWindow> faults,
      List<String> violations,
      List<String> allowed,
      long simulatedNanos,
      List<String> buggified) {

    /** The run as the partition test's report shows one, to write with {@code Report.write}. */
    public TestRun.Result asTestRunResult(Path reportDir) {
      Options o = options;
      TestRun.Options as = new TestRun.Options(o.nodes(), o.replicationFactor(), o.levels(), o.nemesis(),
          Duration.ofNanos(simulatedNanos), o.fault(), o.heal(), o.keysPerLevel(), o.clientsPerNode(), o.thinkTime(),
          o.seed(), null, reportDir, o.checkBudget(), "simulated");
      return new TestRun.Result(as, levels, profiles, faults, reportDir);
    }
  }

  private final Options options;
  private final SimCluster sim;
  private final SimWorld world;
  private final SimTestCluster cluster;
  private final Recorder recorder;
  private final Random random;
  private final Nemesis nemesis;
  private int clientsRunning;
  private boolean workloadDone;
  private String nemesisFailure;

  private Simulation(Options options, SimWire wire) {
    this.options = options;
    this.sim = SimCluster.start(options.nodes(), options.seed(),
        c -> c.withReplicationFactor(options.replicationFactor()), wire);
    this.world = sim.world();
    // Nodes run without --sync-writes, as by default, but under the power loss that needs it.
    sim.syncWrites(options.nemesis().equals("power-loss"));
    if (options.buggify()) {
      world.enableBuggify();
    }
    this.cluster = new SimTestCluster(sim);
    this.recorder = new Recorder(world::nowNanos);
    // The world's source decides message timing; the workload and nemesis draw from their own,
    // seeded from the same seed, so that a change in one does not reshuffle the other.
    this.random = new Random(options.seed() ^ 0x9E3779B97F4A7C15L);
    this.nemesis = nemesis(options.nemesis());
  }

  private Nemesis nemesis(String name) {
    return switch (name) {
      case "lossy" -> new Lossy(sim);
      case "swizzle" -> new Swizzle(world, options.fault(), options.heal());
      case "clocks" -> new ClockFaults(sim, options.fault());
      case "membership-under-faults" -> new MembershipUnderFaults(this::nemesis);
      case "power-loss" -> new PowerLoss(sim, true);
      case "power-loss-unsynced" -> new PowerLoss(sim, false);
      default -> Nemesis.byName(name);
    };
  }

  /**
   * Runs one seed to its verdicts. Every message between the nodes crosses the node's protobuf
   * encoding, so codec bugs are in scope.
   */
  public static Result run(Options options) {
    return run(options, ProtobufSimWire.INSTANCE);
  }

  /** Runs one seed with the messages crossing {@code wire}. */
  static Result run(Options options, SimWire wire) {
    if (!NEMESES.contains(options.nemesis())) {
      throw new IllegalArgumentException(
          "unknown nemesis '" + options.nemesis() + "'; nemeses: " + String.join(", ", NEMESES));
    }
    if (options.nemesis().startsWith("membership") && options.nodes() < options.replicationFactor() + 1) {
      // A decommission needs the replication factor's worth of nodes left behind.
      throw new IllegalArgumentException("the membership nemesis needs at least " + (options.replicationFactor() + 1)
          + " nodes for replication factor " + options.replicationFactor());
    }
    for (String level : options.levels()) {
      if (!Options.LEVELS.contains(level)) {
        throw new IllegalArgumentException("unknown level '" + level + "'; levels: " + String.join(", ", Options.LEVELS));
      }
    }
    return new Simulation(options, wire).run();
  }

  private Result run() {
    long start = world.nowNanos();
    List<RegisterWorkload> workloads = new ArrayList<>();
    List<ProfileWorkload> profileWorkloads = new ArrayList<>();
    // Per level and node: the register clients and one profile client, as the partition test has.
    int clients = options.levels().size() * options.nodes() * (options.clientsPerNode() + 1);
    long process = 0;
    for (String level : options.levels()) {
      RegisterWorkload workload = new RegisterWorkload(level, options.keysPerLevel(), recorder, options.thinkTime());
      workloads.add(workload);
      int[] invoked = {0};
      for (int node : cluster.nodeIds()) {
        for (int c = 0; c < options.clientsPerNode(); c++) {
          RegisterWorkload.Client client = workload.new Client(node, process++, clients, new Random(random.nextLong()));
          clientsRunning++;
          world.after(Duration.ofNanos(client.thinkNanos()), () -> step(client, level, node, invoked));
        }
      }
    }
    for (String level : options.levels()) {
      ProfileWorkload workload = new ProfileWorkload(level, 3, recorder, options.thinkTime().multipliedBy(2));
      profileWorkloads.add(workload);
      int[] updated = {0};
      for (int node : cluster.nodeIds()) {
        ProfileWorkload.Client client = workload.new Client(node, process++, clients, new Random(random.nextLong()));
        clientsRunning++;
        world.after(Duration.ofNanos(client.thinkNanos()), () -> update(client, level, node, updated));
      }
    }
    world.after(options.heal(), this::injectFault);
    world.runUntil(() -> workloadDone && clientsRunning == 0, RUN_LIMIT);
    healEverything();
    Map<String, Map<Object, Long>> finals = new LinkedHashMap<>();
    for (RegisterWorkload w : workloads) {
      finals.put(w.level(), finalReads(w));
    }
    Map<String, Map<Object, Long>> finalProfiles = new LinkedHashMap<>();
    for (ProfileWorkload w : profileWorkloads) {
      finalProfiles.put(w.level(), finalProfiles(w));
    }
    List<Op> events = recorder.events();
    List<Analysis.FaultWindow> faults = Analysis.faultWindows(events);
    List<LevelResult> results = new ArrayList<>();
    List<ProfileResult> profiles = new ArrayList<>();
    for (String level : options.levels()) {
      results.add(Analysis.analyse(level, events, faults, finals.get(level), options.checkBudget()));
      profiles.add(Analysis.analyseProfiles(level, events, finalProfiles.get(level)));
    }
    List<String> violations = new ArrayList<>();
    List<String> allowed = new ArrayList<>();
    if (nemesisFailure != null) {
      violations.add("nemesis: " + nemesisFailure);
    }
    for (String refused : sim.network().wireFailures()) {
      violations.add("wire: the peer codec refused a message the core sent: " + refused);
    }
    // Last-write-wins answers to clocks: where any fault touched one, QUORUM and ALL may misorder.
    boolean clockFaults = events.stream().anyMatch(op -> op.isNemesis() && String.valueOf(op.value()).contains("clock"));
    if (options.nemesis().equals("power-loss-unsynced")) {
      // Nothing is promised through a power loss without --sync-writes: all of it is what to see.
      List<String> lost = new ArrayList<>();
      Promises.judge(results, clockFaults, lost, allowed);
      Promises.judgeProfiles(profiles, clockFaults, lost, allowed);
      lost.forEach(v -> allowed.add(v.substring(0, v.indexOf(':')) + " (power loss without --sync-writes)"
          + v.substring(v.indexOf(':'))));
    } else {
      Promises.judge(results, clockFaults, violations, allowed);
      Promises.judgeProfiles(profiles, clockFaults, violations, allowed);
    }
    List<String> buggified = world.buggifiedSites().entrySet().stream()
        .filter(Map.Entry::getValue).map(e -> e.getKey().name()).toList();
    return new Result(options, events, results, profiles, faults, violations, allowed, world.nowNanos() - start,
        buggified);
  }

  /** One client operation, then the next after the client's think time, until the level's count. */
  private void step(RegisterWorkload.Client client, String level, int node, int[] invoked) {
    if (invoked[0] >= options.opsPerLevel() || !cluster.nodeIds().contains(node)) {
      clientDone();
      return;
    }
    invoked[0]++;
    RegisterWorkload.Call call = client.next();
    Consistency consistency = consistency(level);
    Function<DialNode, CompletableFuture<long[]>> request = switch (call.kind()) {
      case READ -> n -> n.get(call.key(), consistency, false)
          .thenApply(r -> new long[] {valueOf(r.row()), 1});
      case WRITE -> n -> n.put(call.key(), call.valueBytes(), consistency).thenApply(w -> new long[] {0, 1});
      case CAS -> n -> n.compareAndSet(call.key(), call.expectedBytes(), call.valueBytes())
          .thenApply(r -> new long[] {0, r.applied() ? 1 : 0});
    };
    call(node, request, answer -> client.completed(call, answer[0], answer[1] == 1), kind -> client.failed(call, kind),
        () -> world.after(Duration.ofNanos(client.thinkNanos()), () -> step(client, level, node, invoked)));
  }

  /** One profile update, then the next, until half the level's operation count. */
  private void update(ProfileWorkload.Client client, String level, int node, int[] updated) {
    if (updated[0] >= options.opsPerLevel() / 2 || !cluster.nodeIds().contains(node)) {
      clientDone();
      return;
    }
    updated[0]++;
    ProfileWorkload.Update u = client.next();
    Consistency consistency = consistency(level);
    byte[] value = u.valueText().getBytes(StandardCharsets.UTF_8);
    call(node, n -> n.updateProfile(u.user(), Map.of(u.field(), value), List.of(), consistency),
        ok -> client.completed(u), kind -> client.failed(u, kind),
        () -> world.after(Duration.ofNanos(client.thinkNanos()), () -> update(client, level, node, updated)));
  }

  private static Consistency consistency(String level) {
    return level.equals("LINEARIZABLE") ? Consistency.LINEARIZABLE : Consistency.valueOf(level);
  }

  private void clientDone() {
    clientsRunning--;
    if (clientsRunning == 0) {
      workloadDone = true;
    }
  }

  /**
   * A client's request to its node, answered by the node or by the client's own deadline
   * (whichever comes first, once), then {@code next}.
   */
  private <T> void call(int node, Function<DialNode, CompletableFuture<T>> request, java.util.function.Consumer<T> ok,
      java.util.function.Consumer<DialException.Kind> failed, Runnable next) {
    boolean[] answered = {false};
    world.after(CLIENT_TIMEOUT, () -> {
      if (!answered[0]) {
        answered[0] = true;
        failed.accept(DialException.Kind.DEADLINE);
        next.run();
      }
    });
    sim.onNode(node, request).whenComplete((answer, failure) -> {
      if (answered[0]) {
        return;
      }
      answered[0] = true;
      if (failure != null) {
        failed.accept(kindOf(failure));
      } else {
        ok.accept(answer);
      }
      next.run();
    });
  }

  /** A register's value in a row read (0 when absent), as a client's get reads it. */
  private static long valueOf(Row row) {
    Cell cell = row.liveCells().get(Mutation.VALUE_CELL);
    return RegisterWorkload.valueOf(cell != null, cell == null ? null : cell.valueUnsafe());
  }

  /** The client API's error kind for a core failure, as the node's reply would tell the client. */
  static DialException.Kind kindOf(Throwable failure) {
    Throwable t = FailureKind.unwrap(failure);
    if (t instanceof IllegalStateException && String.valueOf(t.getMessage()).endsWith("is not running")) {
      return DialException.Kind.NO_ENDPOINT; // refused before anything was sent (SimCluster.onNode)
    }
    return FailureKind.of(t).map(k -> DialException.Kind.fromWireName(k.wireName())).orElse(DialException.Kind.OTHER);
  }

  private void injectFault() {
    if (workloadDone || clientsRunning == 0) {
      return;
    }
    String what;
    try {
      what = nemesis.inject(cluster, random);
    } catch (Exception e) {
      nemesisFailure = "inject: " + e;
      return;
    }
    recorder.nemesis(Op.Type.INFO, "start", what);
    world.after(options.fault(), () -> {
      recorder.nemesis(Op.Type.INFO, "stop", "healing");
      heal().whenComplete((ok, failure) -> {
        if (failure != null) {
          nemesisFailure = failure.getMessage();
          return;
        }
        world.after(options.heal(), this::injectFault);
      });
    });
  }

  private CompletableFuture<Void> heal() {
    try {
      return nemesis.heal(cluster);
    } catch (Exception e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** As the partition test does after its workload: every fault off, every node up. */
  private void healEverything() {
    CompletableFuture<Void> healed = heal();
    world.runUntil(healed::isDone, RUN_LIMIT);
    if (healed.isCompletedExceptionally() && nemesisFailure == null) {
      nemesisFailure = healed.handle((ok, failure) -> failure.getMessage()).join();
    }
    for (int node : cluster.nodeIds()) {
      cluster.restart(node);
      cluster.resume(node);
      cluster.setLinkRules(node, List.of());
      sim.clock(node).resetWall();
    }
    sim.network().heal();
    sim.awaitAllUp();
  }

  /** Reads every profile at ALL after the heal, as the partition test does: each field's final value. */
  private Map<Object, Long> finalProfiles(ProfileWorkload w) {
    Map<Object, Long> values = new LinkedHashMap<>();
    int reader = cluster.nodeIds().get(0);
    for (String user : w.users()) {
      for (int attempt = 0; ; attempt++) {
        try {
          Row row = sim.await(sim.onNode(reader, n -> n.getProfile(user, Consistency.ALL, false))).row();
          Map<String, String> fields = new java.util.TreeMap<>();
          row.liveCells().forEach((field, cell) -> fields.put(field, new String(cell.valueUnsafe(), StandardCharsets.UTF_8)));
          ProfileWorkload.putFinal(values, user, fields);
          break;
        } catch (RuntimeException e) {
          if (attempt >= 20) {
            throw new IllegalStateException("the final read of profile " + user + " failed 21 times: " + e.getMessage(), e);
          }
          sim.runFor(Duration.ofMillis(250));
        }
      }
    }
    return values;
  }

  /** Reads every key at ALL, recording the reads, retrying while the cluster converges. */
  private Map<Object, Long> finalReads(RegisterWorkload w) {
    Map<Object, Long> values = new LinkedHashMap<>();
    long process = 9_000_000L; // as the partition test's final reads: apart from every client
    int reader = cluster.nodeIds().get(0);
    for (String key : w.keys()) {
      for (int attempt = 0; ; attempt++) {
        long p = process++;
        recorder.record(p, Op.Type.INVOKE, "read", key, null, w.level(), 0, null, null);
        CompletableFuture<io.dialkv.core.coordinator.ReadResult> read =
            sim.onNode(reader, n -> n.get(key, Consistency.ALL, false));
        try {
          var r = sim.await(read);
          long value = valueOf(r.row());
          recorder.record(p, Op.Type.OK, "read", key, value, w.level(), 0, null, null);
          values.put(key, value);
          break;
        } catch (RuntimeException e) {
          recorder.record(p, Op.Type.FAIL, "read", key, null, w.level(), 0, kindOf(e).name(), null);
          if (attempt >= 20) {
            break;
          }
          sim.runFor(Duration.ofMillis(250));
        }
      }
    }
    return values;
  }
}
