package io.dialkv.harness;

import io.dialkv.checker.history.Op;
import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition test: start a cluster of node processes in test mode, run a register workload per
 * consistency level while the nemesis injects and heals faults on a schedule, heal everything,
 * wait for the cluster to converge, read every key back, then check the history and write the
 * report. Every loop is bounded by the run's duration, and every process is stopped at the end.
 */
public final class TestRun {
  private static final Logger log = LoggerFactory.getLogger(TestRun.class);

  /**
   * @param nodes cluster size
   * @param replicationFactor replicas per key
   * @param levels the consistency levels to run side by side
   * @param nemesis the fault to inject
   * @param duration how long the workload runs
   * @param fault how long each fault lasts
   * @param heal how long the cluster is left healthy between faults
   * @param keysPerLevel registers per level
   * @param clientsPerNode clients per node per level
   * @param thinkTime mean pause between a client's operations
   * @param seed for the nemesis's choices and the clients' operations
   * @param nodeJar the node's shaded jar
   * @param outDir where the report (and the cluster's data and logs) go
   * @param checkBudget time the linearizability checker may take per level
   * @param partitionBackend "links" (node-level link rules over the admin API) or "netns" (network
   *     namespaces and iptables; Linux and root only)
   */
  public record Options(
      int nodes,
      int replicationFactor,
      List<String> levels,
      String nemesis,
      Duration duration,
      Duration fault,
      Duration heal,
      int keysPerLevel,
      int clientsPerNode,
      Duration thinkTime,
      long seed,
      Path nodeJar,
      Path outDir,
      Duration checkBudget,
      String partitionBackend) {}

  /** What a run produced. */
  public record Result(
      Options options,
      List<LevelResult> levels,
      List<ProfileResult> profiles,
      List<Analysis.FaultWindow> faults,
      Path reportDir) {}

  private TestRun() {}

  public static Result run(Options o) throws Exception {
    for (String level : o.levels()) {
      RegisterWorkload.consistencyOf(level, false); // fail early on a typo
    }
    Nemesis nemesis = Nemesis.byName(o.nemesis());
    if (o.nemesis().equals("membership") && o.partitionBackend().equals("netns")) {
      throw new IllegalArgumentException(
          "the membership nemesis adds nodes, which the netns back-end cannot give a namespace; use --partition-backend links");
    }
    Files.createDirectories(o.outDir());
    Random random = new Random(o.seed());
    NetnsNetwork netns = null;
    if (o.partitionBackend().equals("netns")) {
      if (!NetnsNetwork.available()) {
        throw new IllegalStateException("the netns partition back-end needs Linux, root, iproute2 and iptables");
      }
      netns = new NetnsNetwork(o.nodes());
    } else if (!o.partitionBackend().equals("links")) {
      throw new IllegalArgumentException("unknown partition back-end '" + o.partitionBackend() + "'; use links or netns");
    }
    ProcessCluster started;
    try {
      started = new ProcessCluster(o.nodes(), o.replicationFactor(), o.nodeJar(), o.outDir(), true, netns);
    } catch (IOException | RuntimeException e) {
      if (netns != null) {
        netns.close();
      }
      throw e;
    }
    try (ProcessCluster cluster = started) {
      cluster.awaitHealthy(Duration.ofSeconds(90));
      log.info("cluster of {} nodes up; running {} for {} s with nemesis {}", o.nodes(), o.levels(),
          o.duration().toSeconds(), o.nemesis());
      Recorder recorder = new Recorder();
      List<RegisterWorkload> workloads = new ArrayList<>();
      List<ProfileWorkload> profiles = new ArrayList<>();
      for (String level : o.levels()) {
        workloads.add(new RegisterWorkload(level, o.keysPerLevel(), recorder, o.thinkTime()));
        profiles.add(new ProfileWorkload(level, 3, recorder, o.thinkTime().multipliedBy(2)));
      }
      long deadline = System.nanoTime() + o.duration().toNanos();
      // Per level and node: the register clients, and one profile client.
      int clients = o.levels().size() * o.nodes() * (o.clientsPerNode() + 1);
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<Future<?>> running = new ArrayList<>();
      long process = 0;
      for (RegisterWorkload workload : workloads) {
        for (int node : cluster.nodeIds()) {
          for (int c = 0; c < o.clientsPerNode(); c++) {
            long p = process++;
            Random clientRandom = new Random(random.nextLong());
            String endpoint = cluster.node(node).endpoint();
            running.add(pool.submit(() -> {
              workload.runClient(node, endpoint, cluster.credentials(), p, clients, deadline, clientRandom);
              return null;
            }));
          }
        }
      }
      for (ProfileWorkload workload : profiles) {
        for (int node : cluster.nodeIds()) {
          long p = process++;
          Random clientRandom = new Random(random.nextLong());
          String endpoint = cluster.node(node).endpoint();
          running.add(pool.submit(() -> {
            workload.runClient(node, endpoint, cluster.credentials(), p, clients, deadline, clientRandom);
            return null;
          }));
        }
      }
      try {
        runNemesis(cluster, nemesis, recorder, random, o, deadline);
      } finally {
        pool.shutdown();
        for (Future<?> f : running) {
          f.get(o.duration().toSeconds() + 60, TimeUnit.SECONDS);
        }
      }
      healEverything(cluster, nemesis);
      cluster.awaitHealthy(Duration.ofSeconds(90));
      Map<String, Map<Object, Long>> finals = finalReads(cluster, workloads, recorder);
      Map<String, Map<Object, Long>> finalProfiles = new HashMap<>();
      try (DialClient client = cluster.client()) {
        for (ProfileWorkload w : profiles) {
          finalProfiles.put(w.level(), w.finalValues(client));
        }
      }
      List<Op> events = recorder.events();
      List<Analysis.FaultWindow> faults = Analysis.faultWindows(events);
      List<LevelResult> results = new ArrayList<>();
      List<ProfileResult> profileResults = new ArrayList<>();
      for (String level : o.levels()) {
        results.add(Analysis.analyse(level, events, faults, finals.get(level), o.checkBudget()));
        profileResults.add(Analysis.analyseProfiles(level, events, finalProfiles.get(level)));
      }
      Result result = new Result(o, results, profileResults, faults, o.outDir());
      Report.write(result, events);
      return result;
    }
  }

  private static void runNemesis(
      ProcessCluster cluster, Nemesis nemesis, Recorder recorder, Random random, Options o, long deadline)
      throws Exception {
    while (true) {
      if (!sleepUntil(Math.min(deadline, System.nanoTime() + o.heal().toNanos()))
          || System.nanoTime() + o.fault().toNanos() / 2 > deadline) {
        return;
      }
      String what = nemesis.inject(cluster, random);
      log.info("nemesis: {}", what);
      recorder.nemesis(Op.Type.INFO, "start", what);
      sleepUntil(Math.min(deadline, System.nanoTime() + o.fault().toNanos()));
      // The fault window closes before healing begins, so that nothing counted "during the fault"
      // could have been helped by a partly healed cluster.
      recorder.nemesis(Op.Type.INFO, "stop", "healing");
      awaitHealed(nemesis.heal(cluster));
      log.info("nemesis: healed");
    }
  }

  /** Sleeps until the given time; false if it has already passed. */
  private static boolean sleepUntil(long nanos) throws InterruptedException {
    long left = nanos - System.nanoTime();
    if (left <= 0) {
      return false;
    }
    TimeUnit.NANOSECONDS.sleep(left); // the schedule itself, not a stand-in for a condition
    return true;
  }

  /** Waits for a heal; a membership change may take its limit and the node's stop after it. */
  private static void awaitHealed(java.util.concurrent.CompletableFuture<Void> healed) throws Exception {
    try {
      healed.get(180, TimeUnit.SECONDS);
    } catch (java.util.concurrent.ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  private static void healEverything(ProcessCluster cluster, Nemesis nemesis) throws Exception {
    awaitHealed(nemesis.heal(cluster));
    for (int node : cluster.nodeIds()) {
      if (!cluster.node(node).isAlive()) {
        cluster.node(node).start();
      }
      cluster.node(node).resume();
    }
    for (int node : cluster.nodeIds()) {
      retry(() -> cluster.setLinkRules(node, List.of()));
      retry(() -> cluster.setClockSkew(node, 0));
    }
  }

  private static void retry(Runnable admin) throws InterruptedException {
    for (int attempt = 0; ; attempt++) {
      try {
        admin.run();
        return;
      } catch (RuntimeException e) {
        if (attempt >= 50) {
          throw e;
        }
        TimeUnit.MILLISECONDS.sleep(200); // a restarted node is still starting
      }
    }
  }

  /** Reads every key at ALL after the heal (which also repairs the replicas), recording the reads. */
  private static Map<String, Map<Object, Long>> finalReads(
      ProcessCluster cluster, List<RegisterWorkload> workloads, Recorder recorder) throws InterruptedException {
    Map<String, Map<Object, Long>> finals = new HashMap<>();
    long process = 9_000_000L;
    try (DialClient client = cluster.client()) {
      for (RegisterWorkload w : workloads) {
        Map<Object, Long> values = new HashMap<>();
        for (String key : w.keys()) {
          long p = process++;
          for (int attempt = 0; ; attempt++) {
            recorder.record(p, Op.Type.INVOKE, "read", key, null, w.level(), 0, null, null);
            try {
              GetResponse r = client.get(key, Consistency.ALL, false);
              long value = r.getFound() ? Long.parseLong(r.getValue().toStringUtf8()) : 0L;
              recorder.record(p, Op.Type.OK, "read", key, value, w.level(), 0, null, null);
              values.put(key, value);
              break;
            } catch (DialException e) {
              recorder.record(p, Op.Type.FAIL, "read", key, null, w.level(), 0, e.kind().name(), null);
              if (attempt >= 20) {
                log.warn("final read of {} failed 20 times: {}", key, e.getMessage());
                break;
              }
              TimeUnit.MILLISECONDS.sleep(250); // the cluster is converging
            }
          }
        }
        finals.put(w.level(), values);
      }
    }
    return finals;
  }
}
