package io.dialkv.bench.race;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The race of dialkv against etcd and Cassandra on one machine, and against a bare gRPC echo (E),
 * the most a request/response over this machine's loopback can do. {@code bench/race.sh} starts
 * each store in turn and runs this tool's {@code load} against it (dialkv through its own bench
 * command, which shares the closed loop), then {@code table} prints every figure with its ratio to E.
 */
@Command(
    name = "race",
    mixinStandardHelpOptions = true,
    subcommands = {EchoServer.class, LoadCommand.class, TableCommand.class},
    description = "Drive etcd, Cassandra or a gRPC echo with the workloads dialkv's bench runs, and tabulate.")
public final class Race {
  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Race());
    // A store that is down or a workload it lacks is a message, not a stack trace.
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("race: " + e.getMessage());
      return 1;
    });
    System.exit(cli.execute(args));
  }
}
