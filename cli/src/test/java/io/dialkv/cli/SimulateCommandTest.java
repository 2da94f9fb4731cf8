package io.dialkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulateCommandTest {
  @TempDir Path dir;

  private record Result(int exit, String out, String err) {}

  private static Result simulate(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "simulate";
    System.arraycopy(args, 0, all, 1, args.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = DialCli.run(all, new PrintWriter(out), new PrintWriter(err));
    return new Result(exit, out.toString(), err.toString());
  }

  @Test
  void manySeedsRunAndReportProgressAndTheirTotals() {
    Result r = simulate("--seeds", "20", "--from", "500", "--threads", "2");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out())
        .contains("simulating 20 seeds from 500")
        .contains("20 of 20 seeds")
        .contains("simulated hours")
        .contains("x real time")
        .contains("every seed kept every level's promise");
  }

  @Test
  void oneSeedReplaysIntoAReportAndTheSameSeedPrintsTheSameTable() throws Exception {
    Path first = dir.resolve("first");
    Path second = dir.resolve("second");
    Result a = simulate("--seed", "77", "--nemesis", "isolate-node", "--out", first.toString());
    Result b = simulate("--seed", "77", "--nemesis", "isolate-node", "--out", second.toString());
    assertThat(a.exit()).as(a.out() + a.err()).isZero();
    assertThat(a.out()).contains("seed 77, nemesis isolate-node").contains("| LINEARIZABLE |");
    assertThat(Files.readString(first.resolve("history.edn"))).isEqualTo(Files.readString(second.resolve("history.edn")));
    assertThat(first.resolve("report.html")).exists();
    assertThat(first.resolve("results.json")).exists();
    assertThat(b.out().lines().filter(l -> l.startsWith("|")).toList())
        .isEqualTo(a.out().lines().filter(l -> l.startsWith("|")).toList());
  }

  @Test
  void aSeedGivesTheSameHistoryInAnotherJvmWhoseIdentityHashesAreAllAlike() throws Exception {
    // Every identity hash code in the other JVM is 1: if iterating a hash set or map of objects
    // without a hash of their own (enums, say) decided anything, the two histories would differ.
    for (String nemesis : new String[] {"membership-under-faults", "lossy"}) {
      Path here = dir.resolve("here-" + nemesis);
      Path there = dir.resolve("there-" + nemesis);
      assertThat(simulate("--seed", "31", "--nemesis", nemesis, "--out", here.toString()).exit()).isZero();
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      Process other = new ProcessBuilder(java, "-XX:+UnlockExperimentalVMOptions", "-XX:hashCode=2",
          "-cp", System.getProperty("java.class.path"), DialCli.class.getName(),
          "simulate", "--seed", "31", "--nemesis", nemesis, "--out", there.toString())
          .redirectErrorStream(true).redirectOutput(dir.resolve("other-" + nemesis + ".log").toFile()).start();
      try {
        assertThat(other.waitFor(120, TimeUnit.SECONDS)).as("the other JVM finished").isTrue();
      } finally {
        other.destroyForcibly();
      }
      assertThat(other.exitValue()).as(Files.readString(dir.resolve("other-" + nemesis + ".log"))).isZero();
      assertThat(Files.readString(there.resolve("history.edn"))).as(nemesis)
          .isEqualTo(Files.readString(here.resolve("history.edn")));
    }
  }

  @Test
  void badOptionsAreRefusedWithWhatToGive() {
    Result nemesis = simulate("--seeds", "5", "--nemesis", "flood");
    assertThat(nemesis.exit()).isEqualTo(2);
    assertThat(nemesis.err()).contains("unknown nemesis 'flood'").contains("lossy");
    Result both = simulate("--seeds", "5", "--seed", "3", "--nemesis", "kill");
    assertThat(both.exit()).isEqualTo(2);
    assertThat(both.err()).contains("not both");
    Result many = simulate("--seed", "3");
    assertThat(many.exit()).isEqualTo(2);
    assertThat(many.err()).contains("exactly one --nemesis");
    Result ops = simulate("--seeds", "5", "--ops", "0");
    assertThat(ops.exit()).isEqualTo(2);
    assertThat(ops.err()).contains("--ops must be between 1 and 100000");
    Result range = simulate("--seeds", "5", "--from", String.valueOf(Long.MAX_VALUE - 2));
    assertThat(range.exit()).isEqualTo(2);
    assertThat(range.err()).contains("--from + --seeds at most");
    Result nodes = simulate("--seeds", "5", "--nodes", "3", "--nemesis", "membership");
    assertThat(nodes.exit()).isEqualTo(2);
    assertThat(nodes.err()).contains("at least 4 nodes");
  }
}
