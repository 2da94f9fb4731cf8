package io.dialkv.cli;

import com.google.gson.JsonObject;
import io.dialkv.checker.CheckResult;
import io.dialkv.checker.LinearizabilityChecker;
import io.dialkv.checker.Verdict;
import io.dialkv.checker.edn.EdnParseException;
import io.dialkv.checker.history.History;
import io.dialkv.checker.history.Operation;
import io.dialkv.checker.model.Model;
import io.dialkv.checker.model.Models;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Judges any Jepsen EDN history for linearizability. */
@Command(
    name = "check",
    mixinStandardHelpOptions = true,
    description = {
      "Check whether a Jepsen history (EDN) is linearizable under a model.",
      "Reads one EDN vector of op maps (Jepsen, Knossos) or one op map per line (Porcupine).",
      ":fail operations did not happen; :info ones and invocations without completion may have "
          + "taken effect at any time after their invocation, or never.",
      "Keyed histories (:key) of the register, cas-register and kv models are checked key by key."
    },
    footer = {
      "",
      "Exit status: 0 linearizable; 1 not linearizable (a counterexample is printed); 2 unknown "
          + "(the time or step budget ran out) or a usage error; 65 the history could not be read."
    })
final class CheckCommand implements Callable<Integer> {
  static final int LINEARIZABLE = 0;
  static final int NOT_LINEARIZABLE = 1;
  static final int UNKNOWN = 2;
  static final int BAD_HISTORY = 65;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The history file.")
  Path file;

  @Option(names = {"-m", "--model"}, required = true,
      description = "register, cas-register, multi-register, mutex or kv.")
  String model;

  @Option(names = "--initial", paramLabel = "EDN",
      description = "Initial value as EDN (default: 0 for registers, {:x 0 :y 0} for multi-register, \"\" for kv).")
  String initial;

  @Option(names = "--time-limit-s", defaultValue = "60",
      description = "Give up (verdict unknown) after this many seconds (default: ${DEFAULT-VALUE}).")
  long timeLimitSeconds;

  @Option(names = "--max-steps", defaultValue = "1000000000",
      description = "Give up (verdict unknown) after this many search steps (default: ${DEFAULT-VALUE}).")
  long maxSteps;

  @Option(names = {"-o", "--output"}, defaultValue = "table",
      description = "Output format: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
  ClientOptions.Format output;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Model m;
    try {
      m = Models.byName(model, initial);
    } catch (IllegalArgumentException | EdnParseException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    List<Operation> operations;
    try {
      operations = History.load(file).operations();
    } catch (NoSuchFileException e) {
      err.println("error: no such file: " + file);
      return BAD_HISTORY;
    } catch (IOException | RuntimeException e) {
      err.println("error: cannot read history " + file + ": " + e.getMessage());
      return BAD_HISTORY;
    }
    CheckResult r;
    try {
      r = new LinearizabilityChecker(Duration.ofSeconds(timeLimitSeconds), maxSteps).check(operations, m);
    } catch (IllegalArgumentException e) {
      err.println("error: the history does not fit the " + model + " model: " + e.getMessage());
      return BAD_HISTORY;
    }
    if (output == ClientOptions.Format.json) {
      JsonObject json = new JsonObject();
      json.addProperty("file", file.toString());
      json.addProperty("model", m.name());
      json.addProperty("verdict", r.verdict().name().toLowerCase(java.util.Locale.ROOT));
      json.addProperty("operations", r.operations());
      json.addProperty("keys", r.partitions());
      json.addProperty("steps", r.steps());
      json.addProperty("seconds", r.elapsed().toNanos() / 1e9);
      if (r.counterexample() != null) {
        json.addProperty("counterexample", r.counterexample().describe());
      }
      out.println(Printer.GSON.toJson(json));
    } else {
      out.printf("%s: %s (%s model, %d operations, %d key%s, %d steps, %.2f s)%n",
          file, describe(r.verdict()), m.name(), r.operations(), r.partitions(),
          r.partitions() == 1 ? "" : "s", r.steps(), r.elapsed().toNanos() / 1e9);
      if (r.counterexample() != null) {
        out.print(r.counterexample().describe());
      }
      if (r.verdict() == Verdict.UNKNOWN) {
        out.println("the search ran out of budget on key " + r.unknownKey()
            + "; raise --time-limit-s or --max-steps");
      }
    }
    return switch (r.verdict()) {
      case LINEARIZABLE -> LINEARIZABLE;
      case NOT_LINEARIZABLE -> NOT_LINEARIZABLE;
      case UNKNOWN -> UNKNOWN;
    };
  }

  private static String describe(Verdict v) {
    return switch (v) {
      case LINEARIZABLE -> "linearizable";
      case NOT_LINEARIZABLE -> "NOT linearizable";
      case UNKNOWN -> "unknown";
    };
  }
}
