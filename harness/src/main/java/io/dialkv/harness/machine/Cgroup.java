package io.dialkv.harness.machine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A control group that caps a "machine"'s CPU and memory: cgroup v2 ({@code cpu.max},
 * {@code memory.max}) where the unified hierarchy holds both controllers, else v1
 * ({@code cpu.cfs_quota_us} in the cpu hierarchy, {@code memory.limit_in_bytes} in the memory
 * one). Processes are put in it by the wrapper {@link #wrap} gives, before they run a line of
 * their own, so no thread escapes the cap. Linux and root only.
 */
public final class Cgroup implements AutoCloseable {
  private static final Path ROOT = Path.of("/sys/fs/cgroup");
  // A short period spreads a small share evenly: with 100 ms, a machine of 0.12 cores would run for
  // 12 ms and then freeze for 88, which no real small machine does.
  private static final long PERIOD_US = 10_000;
  // USER_HZ, which cpuacct.stat counts in: 100 on every Linux build people use.
  private static final long TICK_NANOS = 10_000_000;

  private final String name;
  private final boolean v2;
  private final List<Path> dirs;
  private final double cpus;
  private final long memoryBytes;
  private boolean closed;

  /** Whether this machine can make one: root, and cgroup v2 with cpu and memory, or v1 with both. */
  public static boolean available() {
    return "root".equals(System.getProperty("user.name")) && (v2Usable() || v1Usable());
  }

  /** Which kind this machine has, for reports: "cgroup v2", "cgroup v1" or "none". */
  public static String kind() {
    return v2Usable() ? "cgroup v2" : v1Usable() ? "cgroup v1" : "none";
  }

  private static boolean v2Usable() {
    try {
      Path controllers = ROOT.resolve("cgroup.controllers");
      if (!Files.exists(controllers)) {
        return false;
      }
      String c = Files.readString(controllers);
      return c.contains("cpu") && c.contains("memory");
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean v1Usable() {
    return Files.exists(ROOT.resolve("cpu/cpu.cfs_quota_us")) && Files.exists(ROOT.resolve("memory/memory.limit_in_bytes"));
  }

  /**
   * Makes the group.
   *
   * @param name unique on this machine (the lab's prefix and the machine's name)
   * @param cpus CPU cap in cores (0.25 = a quarter of one core)
   * @param memoryBytes memory cap; the kernel kills a process of the group that goes beyond it
   */
  public Cgroup(String name, double cpus, long memoryBytes) throws IOException {
    if (!(cpus > 0) || cpus > Runtime.getRuntime().availableProcessors() * 4.0) {
      throw new IllegalArgumentException("cpus must be above 0, got " + cpus);
    }
    this.name = name;
    this.cpus = cpus;
    this.memoryBytes = memoryBytes;
    this.v2 = v2Usable();
    long quota = Math.max(1000, Math.round(cpus * PERIOD_US)); // the kernel takes 1 ms at least
    if (v2) {
      Path dir = ROOT.resolve(name);
      Files.createDirectories(dir);
      dirs = List.of(dir);
      write(dir.resolve("cpu.max"), quota + " " + PERIOD_US);
      write(dir.resolve("memory.max"), String.valueOf(memoryBytes));
    } else {
      Path cpu = ROOT.resolve("cpu").resolve(name);
      Path memory = ROOT.resolve("memory").resolve(name);
      List<Path> made = new ArrayList<>();
      made.add(cpu);
      made.add(memory);
      Path acct = ROOT.resolve("cpuacct");
      if (Files.isDirectory(acct) && !Files.isSameFile(acct, ROOT.resolve("cpu"))) {
        made.add(acct.resolve(name));
      }
      for (Path d : made) {
        Files.createDirectories(d);
      }
      dirs = List.copyOf(made);
      write(cpu.resolve("cpu.cfs_period_us"), String.valueOf(PERIOD_US));
      write(cpu.resolve("cpu.cfs_quota_us"), String.valueOf(quota));
      write(memory.resolve("memory.limit_in_bytes"), String.valueOf(memoryBytes));
    }
  }

  public String name() {
    return name;
  }

  public double cpus() {
    return cpus;
  }

  public long memoryBytes() {
    return memoryBytes;
  }

  /**
   * The command, started inside this group: a shell moves itself in, then becomes the command
   * (exec), so the process id is the command's and its first thread is already capped.
   */
  public List<String> wrap(List<String> command) {
    StringBuilder script = new StringBuilder();
    for (Path d : dirs) {
      script.append("echo $$ > '").append(d.resolve("cgroup.procs")).append("' && ");
    }
    script.append("exec \"$@\"");
    List<String> wrapped = new ArrayList<>(List.of("sh", "-c", script.toString(), "sh"));
    wrapped.addAll(command);
    return wrapped;
  }

  /** CPU time the group has used, in nanoseconds. */
  public long cpuNanos() {
    try {
      if (v2) {
        for (String line : Files.readAllLines(dirs.get(0).resolve("cpu.stat"))) {
          if (line.startsWith("usage_usec ")) {
            return Long.parseLong(line.substring(11).trim()) * 1000;
          }
        }
        return 0;
      }
      for (Path d : dirs) {
        Path usage = d.resolve("cpuacct.usage");
        if (Files.exists(usage)) {
          return Long.parseLong(Files.readString(usage).trim());
        }
      }
      return 0;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /**
   * The group's CPU time spent in user and in kernel mode, in nanoseconds ({@code {user, system}};
   * v1 counts in clock ticks of 10 ms, so short intervals are coarse). A share of kernel time that
   * grows means more system calls and wake-ups per unit of work.
   */
  public long[] userSystemNanos() {
    try {
      long user = 0;
      long system = 0;
      if (v2) {
        for (String line : Files.readAllLines(dirs.get(0).resolve("cpu.stat"))) {
          if (line.startsWith("user_usec ")) {
            user = Long.parseLong(line.substring(10).trim()) * 1000;
          } else if (line.startsWith("system_usec ")) {
            system = Long.parseLong(line.substring(12).trim()) * 1000;
          }
        }
        return new long[] {user, system};
      }
      for (Path d : dirs) {
        Path stat = d.resolve("cpuacct.stat");
        if (Files.exists(stat)) {
          for (String line : Files.readAllLines(stat)) {
            if (line.startsWith("user ")) {
              user = Long.parseLong(line.substring(5).trim()) * TICK_NANOS;
            } else if (line.startsWith("system ")) {
              system = Long.parseLong(line.substring(7).trim()) * TICK_NANOS;
            }
          }
          return new long[] {user, system};
        }
      }
      return new long[] {0, 0};
    } catch (IOException | NumberFormatException e) {
      return new long[] {-1, -1};
    }
  }

  /** Most memory the group has held, in bytes (v1; the current figure on v2). */
  public long peakMemoryBytes() {
    try {
      Path f = v2 ? dirs.get(0).resolve("memory.current") : dirs.get(1).resolve("memory.max_usage_in_bytes");
      return Long.parseLong(Files.readString(f).trim());
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Processes the kernel killed in this group for going over its memory cap. */
  public long oomKills() {
    try {
      Path f = v2 ? dirs.get(0).resolve("memory.events") : dirs.get(1).resolve("memory.oom_control");
      for (String line : Files.readAllLines(f)) {
        if (line.startsWith("oom_kill ")) {
          return Long.parseLong(line.substring(9).trim());
        }
      }
      return 0;
    } catch (IOException | NumberFormatException e) {
      return -1;
    }
  }

  /** Process ids still in the group. */
  public List<Long> pids() {
    List<Long> pids = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(dirs.get(0).resolve("cgroup.procs"))) {
        if (!line.isBlank()) {
          pids.add(Long.parseLong(line.trim()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // gone
    }
    return pids;
  }

  private static void write(Path file, String value) throws IOException {
    Files.write(file, value.getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Removes the group. Every process in it was started by the lab, inside it: any still running
   * is killed first, since a group with processes cannot be removed.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (long pid : pids()) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!pids().isEmpty() && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10); // a killed process leaves its group within milliseconds
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    for (Path d : dirs) {
      try {
        Files.deleteIfExists(d);
      } catch (IOException e) {
        // still busy: reported by the lab's leftover check
      }
    }
  }

  /** Whether the group's directories are gone. */
  public boolean removed() {
    return dirs.stream().noneMatch(Files::exists);
  }
}
