package io.dialkv.cli.shell;

import io.dialkv.cli.ClientOptions;
import io.dialkv.cli.ExitCodes;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code dialkv shell}: one JVM, many commands, with session settings (cqlsh's habit). */
@Command(
    name = "shell",
    mixinStandardHelpOptions = true,
    description = {
      "An interactive shell: every dialkv command without the JVM start, plus session settings",
      "(consistency QUORUM, trace on), history and Tab completion. In front of a cluster started",
      "by the cluster scripts (cluster-scripts/dialkv shell) it also breaks and mends it: kill 3,",
      "start 3, partition 1,2 | 3,4,5 (nodes started with -- --test-mode), heal. 'help' lists it all."
    },
    footer = {"", ExitCodes.HELP})
public final class ShellCommand implements Callable<Integer> {
  @Mixin ClientOptions client;

  @Option(names = "--history-file", description = "Where the command history is kept (default: ~/.dialkv_history).")
  Path historyFile;

  @Override
  public Integer call() throws IOException {
    List<String> connection = new ArrayList<>(client.explicitArguments());
    Path history = historyFile != null ? historyFile : Path.of(System.getProperty("user.home"), ".dialkv_history");
    try (Terminal terminal = TerminalBuilder.builder().name("dialkv").system(true).dumb(true).build()) {
      return new Shell(terminal, connection, history, client, System.getenv("DIALKV_SCRIPTS")).run();
    }
  }
}
