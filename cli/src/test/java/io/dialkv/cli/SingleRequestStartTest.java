package io.dialkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** A single-request command started on its own behaves exactly as it does in the whole tree. */
class SingleRequestStartTest {
  private record Result(int exit, String out, String err) {}

  private static Result run(CommandLine cli, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = DialCli.run(args, new PrintWriter(out), new PrintWriter(err), cli);
    return new Result(exit, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"get", "put", "delete", "cas"})
  void buildsOnlyTheOneCommand(String command) {
    CommandLine cli = DialCli.commandLineFor(new String[] {command, "k"});
    assertThat(cli.getSubcommands()).containsOnlyKeys(command);
    assertThat(DialCli.commandLineFor(new String[] {"cluster", "status"}).getSubcommands())
        .containsKeys("get", "cluster", "shell", "top");
  }

  @ParameterizedTest
  @ValueSource(strings = {"get", "put", "delete", "cas"})
  void helpIsTheSameAsInTheWholeTree(String command) {
    Result alone = run(DialCli.commandLineFor(new String[] {command}), command, "--help");
    Result whole = run(new CommandLine(new DialCli()), command, "--help");
    assertThat(alone.exit()).isZero();
    assertThat(alone.out()).startsWith("Usage: dialkv " + command).contains("--endpoints");
    assertThat(alone).isEqualTo(whole);
  }

  @ParameterizedTest
  @ValueSource(strings = {"get", "put", "delete", "cas"})
  void usageErrorsAreTheSameAsInTheWholeTree(String command) {
    String[] args = {command, "k", "--no-such-option"};
    Result alone = run(DialCli.commandLineFor(args), args);
    Result whole = run(new CommandLine(new DialCli()), args);
    assertThat(alone.exit()).isEqualTo(ExitCodes.USAGE);
    assertThat(alone.err()).contains("Usage: dialkv " + command);
    assertThat(alone).isEqualTo(whole);
  }
}
