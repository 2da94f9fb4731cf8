package io.dialkv.harness.machine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lab's coarse CPU profile: which thread is which kind, and what a sample holds. */
class ThreadCpuTest {
  private static volatile long sink;

  @Test
  void threadNamesAsTheKernelShortensThemAreSortedIntoKinds() {
    assertThat(ThreadCpu.kindOf("dialkv-n12-loop")).isEqualTo(ThreadCpu.Kind.REQUEST_LOOP);
    assertThat(ThreadCpu.kindOf("C1 CompilerThre")).isEqualTo(ThreadCpu.Kind.JIT);
    assertThat(ThreadCpu.kindOf("C2 CompilerThre")).isEqualTo(ThreadCpu.Kind.JIT);
    assertThat(ThreadCpu.kindOf("VM Thread")).isEqualTo(ThreadCpu.Kind.GC_AND_VM);
    assertThat(ThreadCpu.kindOf("GC Thread#0")).isEqualTo(ThreadCpu.Kind.GC_AND_VM);
    assertThat(ThreadCpu.kindOf("rocksdb:low")).isEqualTo(ThreadCpu.Kind.ROCKSDB);
    assertThat(ThreadCpu.kindOf("dialkv-n1-group")).isEqualTo(ThreadCpu.Kind.OTHER);
    assertThat(ThreadCpu.kindOf("java")).isEqualTo(ThreadCpu.Kind.OTHER);
  }

  @Test
  void schedstatGivesRunTimeAndTimesScheduled() {
    assertThat(ThreadCpu.parseSchedstat("4613715 9628 2\n")).containsExactly(4613715L, 2L);
    assertThatThrownBy(() -> ThreadCpu.parseSchedstat("12"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a schedstat line");
  }

  @Test
  void thisProcessHasSpentTimeCompilingAndTheDifferenceOfTwoSamplesIsWhatRanBetween() {
    assumeTrue(Files.exists(Path.of("/proc/self/task")), "needs Linux /proc");
    List<Long> self = List.of(ProcessHandle.current().pid());
    ThreadCpu.Sample before = ThreadCpu.of(self);
    // 50 ms of this thread's own CPU (an "other" thread), however busy the machine is, bounded
    // by 10 s of wall time.
    var threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuUntil = threads.getCurrentThreadCpuTime() + 50_000_000;
    long wallLimit = System.nanoTime() + 10_000_000_000L;
    long x = 1;
    long rounds = 0;
    while (threads.getCurrentThreadCpuTime() < cpuUntil && System.nanoTime() < wallLimit) {
      for (int i = 0; i < 10_000; i++) {
        x = x * 6364136223846793005L + 1442695040888963407L; // an LCG: work the JIT cannot fold
      }
      rounds++;
    }
    sink = x; // ...nor drop, since its result is kept
    ThreadCpu.Sample after = ThreadCpu.of(self);
    assertThat(rounds).isPositive();
    assertThat(before.cpuNanos().get(ThreadCpu.Kind.JIT)).isPositive();
    ThreadCpu.Sample between = after.minus(before);
    assertThat(between.cpuNanos().get(ThreadCpu.Kind.OTHER)).isGreaterThan(30_000_000L);
    assertThat(between.totalCpuNanos()).isLessThan(after.totalCpuNanos());
    assertThat(ThreadCpu.of(List.of(Long.MAX_VALUE)).totalCpuNanos()).isZero(); // no such process
  }
}
