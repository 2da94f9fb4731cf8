package io.dialkv.cli;

import io.dialkv.harness.Report;
import io.dialkv.harness.sim.Campaign;
import io.dialkv.harness.sim.Simulation;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The partition test in deterministic simulation: thousands of seeded fault schedules a run. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Run the partition test's workloads, nemeses and checks against a whole cluster simulated in this process, "
          + "in virtual time, every choice drawn from a seed: the same seed gives the same history, event for event.",
      "--seeds N runs N seeds from --from, in parallel on every core, the nemeses taken in turn (seed s gets the "
          + "(s mod k)th of the k given), printing progress and, for each seed that broke a level's promise, the "
          + "command that replays it.",
      "--seed S replays one seed and writes its history.edn, results.json and report.html to --out, "
          + "as `dialkv test` does."
    },
    footer = {"", "Nemeses: none, partition-halves, partition-majorities-ring, bridge, isolate-node, kill, pause, "
        + "clock-skew, membership, and the simulation's own: lossy (messages lost and duplicated at random), swizzle "
        + "(nodes cut off one by one, healed in another order), clocks (drift and jumps) and "
        + "membership-under-faults (a join or decommission with another fault at once), power-loss (power cut to "
        + "one node or all, nodes with --sync-writes) and power-loss-unsynced (the same without: anomalies shown, "
        + "allowed).",
        "Every message between nodes crosses the node's protobuf encoding.",
        "A level's promise: LINEARIZABLE linearizable and nothing stale or lost under every nemesis; QUORUM and ALL "
        + "no stale read and no lost acknowledged write but under clock skew; ONE no lost acknowledged write but "
        + "under clock skew (stale reads are allowed).",
        "Exit status: 0 every seed kept every promise; 1 a seed broke one (or could not run); 2 usage error."})
final class SimulateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--seeds", description = "How many seeds to run (default: 1,000 unless --seed is given).")
  Long seeds;

  @Option(names = "--from", defaultValue = "1", description = "The first seed of --seeds (default: ${DEFAULT-VALUE}).")
  long from;

  @Option(names = "--seed", description = "Replay this one seed and write its report.")
  Long seed;

  @Option(names = "--nemesis", split = ",", defaultValue = "all",
      description = "Nemeses, comma-separated, or all (default: ${DEFAULT-VALUE}). With --seed, exactly one.")
  List<String> nemeses;

  @Option(names = "--levels", split = ",", defaultValue = "ONE,QUORUM,ALL,LINEARIZABLE",
      description = "Consistency levels run side by side (default: ${DEFAULT-VALUE}).")
  List<String> levels;

  @Option(names = "--ops", defaultValue = "200", description = "Operations per level per seed (default: ${DEFAULT-VALUE}).")
  int ops;

  @Option(names = {"-n", "--nodes"}, defaultValue = "5", description = "Cluster size (default: ${DEFAULT-VALUE}).")
  int nodes;

  @Option(names = "--buggify", negatable = true, defaultValue = "true", fallbackValue = "true",
      description = "Let the core's fault sites fire (a commit to a majority only, a hint not kept, one-row "
          + "streaming pages...): each enabled for a seed at one in four, firing at one in four of its calls "
          + "(default: on; --no-buggify turns them off).")
  boolean buggify;

  @Option(names = "--threads", description = "Seeds run at once (default: the number of cores).")
  Integer threads;

  @Option(names = "--out", description = "With --seed: the report folder (default: dialkv-simulate-<seed> here).")
  Path out;

  @Override
  public Integer call() throws Exception {
    PrintWriter outWriter = spec.commandLine().getOut();
    List<String> chosen = nemeses.equals(List.of("all")) ? Simulation.NEMESES : nemeses;
    for (String n : chosen) {
      if (!Simulation.NEMESES.contains(n)) {
        throw usage("unknown nemesis '" + n + "'; nemeses: " + String.join(", ", Simulation.NEMESES) + ", or all");
      }
    }
    for (String level : levels) {
      if (!Simulation.Options.LEVELS.contains(level)) {
        throw usage("unknown level '" + level + "'; levels: " + String.join(", ", Simulation.Options.LEVELS));
      }
    }
    if (ops < 1 || ops > 100_000) {
      throw usage("--ops must be between 1 and 100000, not " + ops);
    }
    if (nodes < 3 || nodes > 15) {
      throw usage("--nodes must be between 3 and 15 (replication factor 3), not " + nodes);
    }
    if (chosen.stream().anyMatch(n -> n.startsWith("membership")) && nodes < 4) {
      throw usage("the membership nemesis needs at least 4 nodes (a decommission leaves 3 for replication factor 3)");
    }
    if (seed != null) {
      if (seeds != null) {
        throw usage("give --seed (replay one) or --seeds (run many), not both");
      }
      if (chosen.size() != 1) {
        throw usage("--seed replays one run: give exactly one --nemesis");
      }
      return replay(outWriter, chosen.get(0));
    }
    long count = seeds == null ? 1_000 : seeds;
    if (count < 1) {
      throw usage("--seeds must be positive, not " + count);
    }
    if (from < 0 || count > Long.MAX_VALUE - from) {
      throw usage("--from must be at least 0, and --from + --seeds at most " + Long.MAX_VALUE);
    }
    int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
    if (threadCount < 1) {
      throw usage("--threads must be positive");
    }
    outWriter.printf("simulating %,d seeds from %d: %d nodes, levels %s, %d ops per level, nemeses %s, %d threads%n",
        count, from, nodes, levels, ops, chosen, threadCount);
    outWriter.flush();
    long[] lastPrinted = {System.nanoTime()};
    Campaign.Summary summary = Campaign.run(from, count, threadCount,
        s -> options(s, chosen.get((int) Math.floorMod(s, (long) chosen.size()))),
        p -> {
          synchronized (lastPrinted) {
            if (System.nanoTime() - lastPrinted[0] > 5_000_000_000L || p.done() == p.total()) {
              lastPrinted[0] = System.nanoTime();
              outWriter.printf(Locale.ROOT, "  %,d of %,d seeds, %.1f per second, %d failed%n", p.done(), p.total(),
                  p.done() / (p.realNanos() / 1e9), p.failures());
              outWriter.flush();
            }
          }
        },
        f -> {
          synchronized (lastPrinted) {
            outWriter.printf("FAILED seed %d (%s): %s%n  replay: %s%n", f.seed(), f.nemesis(),
                String.join("; ", f.violations()), f.replay());
            outWriter.flush();
          }
        });
    double ratio = summary.simulatedNanos() / (double) summary.realNanos();
    outWriter.printf(Locale.ROOT,
        "%,d seeds in %.1f s: %.2f simulated hours, %.0fx real time (%.0fx per thread); seeds per nemesis %s%n",
        summary.seeds(), summary.realNanos() / 1e9, summary.simulatedNanos() / 3.6e12, ratio, ratio / threadCount,
        summary.seedsByNemesis());
    outWriter.printf("anomalies the levels allow, seeds showing them: %s%n", summary.allowedByLevel());
    outWriter.println("seeds showing an allowed anomaly (and, after !, breaking a promise), by nemesis and level:");
    outWriter.print(summary.table());
    if (summary.failures().isEmpty()) {
      outWriter.println("every seed kept every level's promise");
      return 0;
    }
    outWriter.printf("%d seeds broke a promise:%n", summary.failures().size());
    for (Campaign.Failure f : summary.failures()) {
      outWriter.println("  " + f.replay());
    }
    return 1;
  }

  private Simulation.Options options(long s, String nemesis) {
    return Simulation.Options.defaults(s, nemesis).with(nemesis, levels, ops, nodes).withBuggify(buggify);
  }

  private int replay(PrintWriter outWriter, String nemesis) throws Exception {
    Simulation.Options options = options(seed, nemesis);
    long t0 = System.nanoTime();
    Simulation.Result result = Simulation.run(options);
    long real = System.nanoTime() - t0;
    Path dir = out != null ? out : Path.of("dialkv-simulate-" + seed);
    Files.createDirectories(dir);
    var asRun = result.asTestRunResult(dir);
    Report.write(asRun, result.history());
    outWriter.printf(Locale.ROOT, "seed %d, nemesis %s: %.1f s simulated in %.2f s%n", seed, nemesis,
        result.simulatedNanos() / 1e9, real / 1e9);
    outWriter.print(Report.table(asRun));
    outWriter.println("fault sites enabled: " + (options.buggify() ? result.buggified() : "none (--no-buggify)"));
    for (String a : result.allowed()) {
      outWriter.println("allowed: " + a);
    }
    for (String v : result.violations()) {
      outWriter.println("VIOLATION: " + v);
    }
    outWriter.println("report: " + dir.resolve("report.html").toAbsolutePath());
    return result.violations().isEmpty() ? 0 : 1;
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }
}
