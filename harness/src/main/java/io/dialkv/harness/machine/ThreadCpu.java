package io.dialkv.harness.machine;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Where a machine's CPU went, by kind of thread: a coarse profile that costs nothing while it is
 * taken, read from Linux's per-thread scheduler figures ({@code /proc/PID/task/TID/schedstat}:
 * nanoseconds on a CPU and how many times the thread was put on one) and thread names
 * ({@code comm}, which the JVM sets from the Java thread's name). A node does its requests on one
 * event-loop thread, so "request loop" against the rest says whether the CPU went to requests or
 * to the JVM (compiler, collector) and RocksDB; the loop's times-scheduled per request says how many
 * wake-ups (socket reads, flushes) a request costs, which is what grows when each peer link carries
 * fewer messages per batch.
 */
public final class ThreadCpu {
  private static final Path PROC = Path.of("/proc");

  /** Kinds of thread a node process has. */
  public enum Kind {
    REQUEST_LOOP("request loop"),
    JIT("JIT compiler"),
    GC_AND_VM("GC and VM"),
    ROCKSDB("RocksDB"),
    OTHER("other");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  /** CPU time and times scheduled per kind, summed over the threads sampled. */
  public record Sample(Map<Kind, Long> cpuNanos, Map<Kind, Long> timesScheduled) {
    public static Sample empty() {
      return new Sample(zeros(), zeros());
    }

    /** What happened between {@code earlier} and this sample (threads born between count whole). */
    public Sample minus(Sample earlier) {
      Map<Kind, Long> cpu = zeros();
      Map<Kind, Long> runs = zeros();
      for (Kind k : Kind.values()) {
        cpu.put(k, Math.max(0, cpuNanos.get(k) - earlier.cpuNanos.get(k)));
        runs.put(k, Math.max(0, timesScheduled.get(k) - earlier.timesScheduled.get(k)));
      }
      return new Sample(cpu, runs);
    }

    public Sample plus(Sample other) {
      Map<Kind, Long> cpu = zeros();
      Map<Kind, Long> runs = zeros();
      for (Kind k : Kind.values()) {
        cpu.put(k, cpuNanos.get(k) + other.cpuNanos.get(k));
        runs.put(k, timesScheduled.get(k) + other.timesScheduled.get(k));
      }
      return new Sample(cpu, runs);
    }

    public long totalCpuNanos() {
      return cpuNanos.values().stream().mapToLong(Long::longValue).sum();
    }
  }

  private ThreadCpu() {}

  /** The kind of a thread, from the name the kernel knows it by (at most 15 characters). */
  static Kind kindOf(String threadName) {
    if (threadName.startsWith("dialkv-n") && threadName.endsWith("-loop")) {
      return Kind.REQUEST_LOOP;
    }
    if (threadName.contains("CompilerThre") || threadName.startsWith("C1 Compi") || threadName.startsWith("C2 Compi")) {
      return Kind.JIT;
    }
    if (threadName.startsWith("VM Thread") || threadName.startsWith("GC Thread") || threadName.startsWith("G1 ")
        || threadName.startsWith("VM Periodic")) {
      return Kind.GC_AND_VM;
    }
    if (threadName.startsWith("rocksdb")) {
      return Kind.ROCKSDB;
    }
    return Kind.OTHER;
  }

  /** The threads of these processes now; processes or threads that are gone count nothing. */
  public static Sample of(List<Long> pids) {
    Map<Kind, Long> cpu = zeros();
    Map<Kind, Long> runs = zeros();
    for (long pid : pids) {
      try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(String.valueOf(pid)).resolve("task"))) {
        for (Path task : tasks) {
          try {
            String name = Files.readString(task.resolve("comm")).trim();
            long[] sched = parseSchedstat(Files.readString(task.resolve("schedstat")));
            Kind k = kindOf(name);
            cpu.merge(k, sched[0], Long::sum);
            runs.merge(k, sched[1], Long::sum);
          } catch (IOException | RuntimeException threadGone) {
            // the thread ended between the listing and the read
          }
        }
      } catch (IOException processGone) {
        // the process ended
      }
    }
    return new Sample(cpu, runs);
  }

  /** {@code schedstat}: run time in ns, wait time in ns, times run; returns {run ns, times run}. */
  static long[] parseSchedstat(String line) {
    String[] f = line.trim().split("\\s+");
    if (f.length < 3) {
      throw new IllegalArgumentException("not a schedstat line: '" + line.trim() + "'");
    }
    return new long[] {Long.parseLong(f[0]), Long.parseLong(f[2])};
  }

  private static Map<Kind, Long> zeros() {
    Map<Kind, Long> m = new EnumMap<>(Kind.class);
    for (Kind k : Kind.values()) {
      m.put(k, 0L);
    }
    return m;
  }
}
