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
}
