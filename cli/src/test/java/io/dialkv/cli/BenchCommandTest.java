package io.dialkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The bench command's options as the command line reads them. */
class BenchCommandTest {
  private static BenchCommand parse(String... args) {
    BenchCommand bench = new BenchCommand();
    new CommandLine(bench).parseArgs(args);
    return bench;
  }

  @Test
  void preloadIsOnByDefaultAndNoPreloadTurnsItOff() {
    assertThat(parse().preload).isTrue();
    assertThat(parse("--no-preload").preload).isFalse();
    assertThat(parse("--preload").preload).isTrue();
  }

  @Test
  void theBalancerPolicyIsTakenByName() {
    assertThat(parse("--balancer", "ip-hash").client.balancer).isEqualTo("ip-hash");
    assertThat(parse().client.balancer).isEqualTo("token-aware");
  }

  @Test
  void nonsenseIsRefusedBeforeAnythingIsAllocatedOrSent() {
    assertThat(parse().invalidOptions()).isNull();
    assertThat(parse("--read-ratio", "NaN").invalidOptions()).contains("--read-ratio must be a number from 0 to 1");
    assertThat(parse("--read-ratio", "1.5").invalidOptions()).contains("--read-ratio");
    assertThat(parse("--warmup-ops", "-5").invalidOptions()).contains("--warmup-ops must be 0 to");
    assertThat(parse("--concurrency", "100000000").invalidOptions()).contains("--concurrency must be 1 to 4096");
    assertThat(parse("--value-size", "2000000000").invalidOptions()).contains("--value-size must be 0 to 16777216");
    assertThat(parse("--keys", "0").invalidOptions()).contains("--keys must be 1 to");
    assertThat(parse("--rate", "2000:30s,8000:30s").invalidOptions()).isNull();
    assertThat(parse("--rate", "lots").invalidOptions()).contains("--rate: rate 'lots' is not OPS_PER_S");
    assertThat(parse("--rate", "100", "--duration", "soon").invalidOptions()).contains("duration 'soon' is not a number");
    assertThat(parse("--verify").invalidOptions()).contains("--verify needs --rate");
    assertThat(parse("--warmup-time", "20s").invalidOptions()).isNull();
    assertThat(parse("--warmup-time", "a while").invalidOptions()).contains("--warmup-time:");
    assertThat(parse("--rate", "100", "--max-outstanding", "0").invalidOptions()).contains("--max-outstanding must be 1 to");
  }

  @Test
  void theExitStatusOfNonsenseIsAUsageError() {
    java.io.StringWriter err = new java.io.StringWriter();
    int exit = DialCli.run(new String[] {"bench", "--read-ratio", "NaN"}, new java.io.PrintWriter(new java.io.StringWriter()),
        new java.io.PrintWriter(err));
    assertThat(exit).isEqualTo(2);
    assertThat(err.toString()).contains("--read-ratio must be a number from 0 to 1, got NaN").doesNotContain("Exception");
  }
}
