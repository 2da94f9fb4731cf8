package io.dialkv.cli;

import io.dialkv.client.DialException;
import java.io.PrintWriter;
import java.util.Map;
import java.util.function.Supplier;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The {@code dialkv} command line. */
@Command(
    name = "dialkv",
    mixinStandardHelpOptions = true,
    version = "dialkv 0.1.0",
    description = {
      "Talk to a dialkv cluster. Every data command takes --consistency ONE|QUORUM|ALL|LINEARIZABLE:",
      "ask for less to gain availability and latency, for more to read what was written."
    },
    footer = {"", ExitCodes.HELP},
    subcommands = {
      KeyCommands.Get.class,
      KeyCommands.Put.class,
      KeyCommands.Delete.class,
      KeyCommands.Cas.class,
      ProfileCommands.class,
      ClusterCommands.class,
      BenchCommand.class,
      CheckCommand.class,
      TestCommand.class,
      SimulateCommand.class,
      BalancerCommand.class,
      HintsCommand.class,
      io.dialkv.cli.top.TopCommand.class,
      io.dialkv.cli.shell.ShellCommand.class,
      RepairCommand.class,
      NodeCommands.class,
      CertsCommand.class,
      TokenCommand.class,
      io.dialkv.cli.lab.LabCommand.class,
      CommandLine.HelpCommand.class
    })
public final class DialCli implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a command (see --help)");
  }

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
  }

  /**
   * The commands that make one request. A process started for one of these reads only that
   * command's annotations: picocli builds the model of every command up front, about 70 ms of a
   * one-shot start spent on commands that will not run.
   */
  private static final Map<String, Supplier<Object>> SINGLE_REQUEST =
      Map.of(
          "get", KeyCommands.Get::new,
          "put", KeyCommands.Put::new,
          "delete", KeyCommands.Delete::new,
          "cas", KeyCommands.Cas::new);

  /** Runs the command line with the given output streams; returns the exit status. */
  public static int run(String[] args, PrintWriter out, PrintWriter err) {
    return run(args, out, err, commandLineFor(args));
  }

  /** The command tree to run {@code args}: only the one command if it makes one request. */
  static CommandLine commandLineFor(String[] args) {
    Supplier<Object> single = args.length > 0 ? SINGLE_REQUEST.get(args[0]) : null;
    if (single == null) {
      return new CommandLine(new DialCli());
    }
    CommandSpec root = CommandSpec.create().name("dialkv");
    return new CommandLine(root).addSubcommand(args[0], single.get());
  }

  static int run(String[] args, PrintWriter out, PrintWriter err, CommandLine cli) {
    cli.setOut(out);
    cli.setErr(err);
    cli.setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof DialException d) {
            commandLine.getErr().println("error: " + d.getMessage());
            return ExitCodes.of(d);
          }
          if (e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return ExitCodes.USAGE;
          }
          commandLine.getErr().println("error: " + e);
          return ExitCodes.FAILURE;
        });
    int exit = cli.execute(args);
    out.flush();
    err.flush();
    return exit;
  }
}
