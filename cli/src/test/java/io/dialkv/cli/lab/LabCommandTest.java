package io.dialkv.cli.lab;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dialkv.harness.machine.ThreadCpu;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The lab's options, and the CPU profile it prints for each scale-out figure. */
class LabCommandTest {
  private static LabCommand parse(String... args) {
    LabCommand lab = new LabCommand();
    new CommandLine(lab).parseArgs(args);
    return lab;
  }

  @Test
  void scaleOutTriesDeeperClosedLoopsUnlessToldOtherwise() {
    assertThat(parse("scale-out").inFlightPerNode).containsExactly(64, 128, 256);
    assertThat(parse("scale-out", "--in-flight-per-node", "64,128").inFlightPerNode).containsExactly(64, 128);
    assertThat(parse("scale-out").invalidOptions()).isNull();
  }

  @Test
  void nonsenseIsRefusedBeforeAnyMachineIsMade() {
    assertThat(parse("scale-out", "--in-flight-per-node", "0").invalidOptions())
        .isEqualTo("--in-flight-per-node must be 1 to 256 requests each, got [0]");
    assertThat(parse("scale-out", "--in-flight-per-node", "16,100000").invalidOptions())
        .contains("--in-flight-per-node must be 1 to 256");
    assertThat(parse("scale-out", "--nodes", "3,40").invalidOptions()).contains("--nodes must be sizes of 1 to 32");
    assertThat(parse("shapes", "--budget", "0").invalidOptions()).contains("must be 0.05 to 64 cores");
  }

  @Test
  void theProfileSharesEachKindOfThreadsTimeAmongTheRequests() {
    Map<ThreadCpu.Kind, Long> cpu = new EnumMap<>(ThreadCpu.Kind.class);
    Map<ThreadCpu.Kind, Long> runs = new EnumMap<>(ThreadCpu.Kind.class);
    for (ThreadCpu.Kind k : ThreadCpu.Kind.values()) {
      cpu.put(k, 0L);
      runs.put(k, 0L);
    }
    cpu.put(ThreadCpu.Kind.REQUEST_LOOP, 800_000_000L); // 0.8 s over 2,000 requests: 0.4 ms each
    cpu.put(ThreadCpu.Kind.JIT, 200_000_000L);
    runs.put(ThreadCpu.Kind.REQUEST_LOOP, 500L);
    Lab.CpuProfile p = Lab.CpuProfile.of(new ThreadCpu.Sample(cpu, runs), 750_000_000L, 250_000_000L, 2_000);
    assertThat(p.millisPerOpByThread().get("request loop")).isCloseTo(0.4, within(1e-9));
    assertThat(p.millisPerOpByThread().get("JIT compiler")).isCloseTo(0.1, within(1e-9));
    assertThat(p.kernelShare()).isCloseTo(0.25, within(1e-9));
    assertThat(p.loopWakeupsPerOp()).isCloseTo(0.25, within(1e-9));
    assertThat(p.summary()).startsWith("request loop 0.40, JIT compiler 0.10, GC and VM 0.00")
        .endsWith("ms; kernel 25%; 0.3 loop wake-ups");
  }
}
