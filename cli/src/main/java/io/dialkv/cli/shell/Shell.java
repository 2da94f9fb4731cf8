package io.dialkv.cli.shell;

import io.dialkv.cli.ClientOptions;
import io.dialkv.cli.DialCli;
import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.NodeInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.jline.reader.Candidate;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The read-eval loop of {@code dialkv shell}. A line is a shell setting, a fault for a
 * script-started cluster, or any dialkv command, run in this JVM with the session's consistency
 * and trace added where the command takes them and the user did not say otherwise.
 */
final class Shell {
  static final List<String> LEVELS = List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE");
  private static final List<String> NODE_ACTIONS = List.of("kill", "start", "stop", "pause", "resume");
  private static final List<String> BUILT_INS =
      List.of("consistency", "trace", "kill", "start", "stop", "pause", "resume", "partition", "heal", "help", "exit");

  private final Terminal terminal;
  private final PrintWriter out;
  private final List<String> connection;
  private final Path history;
  private final ClientOptions client;
  private final Path scripts;
  // Only for what the commands are and take: each line runs on a fresh command line.
  private final CommandLine commands = new CommandLine(new DialCli());
  private String consistency; // null: each command's own default
  private boolean trace;

  /**
   * @param connection the shell's own connection options, passed on to every command that takes them
   * @param scripts the cluster scripts' folder, or null when not run by them (no kill, no start)
   */
  Shell(Terminal terminal, List<String> connection, Path history, ClientOptions client, String scripts) {
    this.terminal = terminal;
    this.out = terminal.writer();
    this.connection = connection;
    this.history = history;
    this.client = client;
    this.scripts = scripts == null || scripts.isBlank() ? null : Path.of(scripts);
  }

  int run() {
    LineReader reader = LineReaderBuilder.builder()
        .terminal(terminal)
        .appName("dialkv")
        .variable(LineReader.HISTORY_FILE, history)
        .completer((r, line, candidates) -> complete(line.words(), line.wordIndex(), candidates))
        .build();
    out.println("dialkv shell: any dialkv command, plus settings and faults; 'help' lists them, Tab completes, Ctrl-D leaves.");
    while (true) {
      String line;
      try {
        line = reader.readLine(prompt());
      } catch (UserInterruptException e) {
        continue; // Ctrl-C drops the line, as in any shell
      } catch (EndOfFileException e) {
        break;
      }
      List<String> words = new ArrayList<>(reader.getParsedLine().words());
      words.removeIf(String::isEmpty);
      if (line.isBlank() || words.isEmpty()) {
        continue;
      }
      if (!execute(words)) {
        break;
      }
      out.flush();
    }
    out.flush();
    return 0;
  }

  private String prompt() {
    return "dialkv" + (consistency == null ? "" : "[" + consistency + (trace ? ",trace" : "") + "]")
        + (consistency == null && trace ? "[trace]" : "") + "> ";
  }

  /** Runs one line; false to leave the shell. */
  boolean execute(List<String> words) {
    String first = words.get(0).toLowerCase(Locale.ROOT);
    try {
      switch (first) {
        case "exit", "quit" -> {
          return false;
        }
        case "help" -> help();
        case "consistency" -> setConsistency(words);
        case "trace" -> setTrace(words);
        case "partition" -> partition(String.join(" ", words.subList(1, words.size())));
        case "heal" -> heal();
        case "shell" -> out.println("already in the shell");
        default -> {
          if (NODE_ACTIONS.contains(first)) {
            nodeAction(words);
          } else {
            command(words);
          }
        }
      }
    } catch (IllegalArgumentException | DialException e) {
      out.println("error: " + e.getMessage());
    }
    return true;
  }

  private void help() {
    out.println("Settings (for this session):");
    out.println("  consistency [ONE|QUORUM|ALL|LINEARIZABLE|default]   level for every command that takes one");
    out.println("  trace [on|off]                                       --trace on every command that takes it");
    out.println("Faults (a cluster started by cluster-scripts/start-cluster.sh):");
    out.println("  kill N | start N | stop N | pause N | resume N       node.sh on node N");
    out.println("  partition 1,2 | 3,4,5                                cut the two sides apart (nodes in --test-mode)");
    out.println("  heal                                                 undo every partition");
    out.println("Commands: " + String.join(", ", new TreeSet<>(commands.getSubcommands().keySet())));
    out.println("  (as on the command line, without 'dialkv'; 'get --help' explains one)");
    out.println("exit (or Ctrl-D) leaves.");
  }

  private void setConsistency(List<String> words) {
    if (words.size() == 1) {
      out.println("consistency: " + (consistency == null ? "each command's default" : consistency));
      return;
    }
    String level = words.get(1).toUpperCase(Locale.ROOT);
    if (level.equals("DEFAULT")) {
      consistency = null;
    } else if (LEVELS.contains(level)) {
      consistency = level;
    } else {
      throw new IllegalArgumentException("no consistency level '" + words.get(1) + "'; choose one of " + LEVELS + " or default");
    }
    out.println("consistency: " + (consistency == null ? "each command's default" : consistency));
  }

  private void setTrace(List<String> words) {
    if (words.size() > 1) {
      String v = words.get(1).toLowerCase(Locale.ROOT);
      if (!v.equals("on") && !v.equals("off")) {
        throw new IllegalArgumentException("trace takes on or off, not '" + words.get(1) + "'");
      }
      trace = v.equals("on");
    }
    out.println("trace: " + (trace ? "on" : "off"));
  }

  /** A dialkv command, with the session's settings and connection where it takes them. */
  private void command(List<String> words) {
    CommandSpec spec = specOf(words);
    if (spec == null) {
      throw new IllegalArgumentException("unknown command '" + words.get(0) + "'; 'help' lists them");
    }
    List<String> args = new ArrayList<>(words);
    if (consistency != null && spec.findOption("--consistency") != null
        && !args.contains("-c") && !args.contains("--consistency")) {
      args.add("--consistency");
      args.add(consistency);
    }
    if (trace && spec.findOption("--trace") != null && !args.contains("--trace")) {
      args.add("--trace");
    }
    if (spec.findOption("--endpoints") != null) {
      args.addAll(connection);
    }
    DialCli.run(args.toArray(String[]::new), out, out);
  }

  /** The spec of the (sub)command the words name, or null. */
  private CommandSpec specOf(List<String> words) {
    CommandLine c = commands.getSubcommands().get(words.get(0));
    if (c == null) {
      return null;
    }
    for (int i = 1; i < words.size() && c.getSubcommands().containsKey(words.get(i)); i++) {
      c = c.getSubcommands().get(words.get(i));
    }
    return c.getCommandSpec();
  }

  private void nodeAction(List<String> words) {
    if (scripts == null) {
      throw new IllegalArgumentException(words.get(0) + " works in front of a cluster started by the cluster scripts: "
          + "run the shell as cluster-scripts/dialkv shell");
    }
    if (words.size() != 2 || !words.get(1).matches("[0-9]{1,4}")) {
      throw new IllegalArgumentException("usage: " + words.get(0) + " N (a node number)");
    }
    ProcessBuilder pb = new ProcessBuilder("bash", scripts.resolve("node.sh").toString(), words.get(0), words.get(1))
        .redirectErrorStream(true);
    try {
      Process p = pb.start();
      out.print(new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        out.println("error: node.sh " + words.get(0) + " took more than 2 minutes; stopped waiting");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("could not run node.sh: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** "1,2 | 3,4,5": each side stops talking to the other (both directions). */
  private void partition(String sides) {
    String[] parts = sides.split("\\|");
    if (parts.length != 2) {
      throw new IllegalArgumentException("usage: partition 1,2 | 3,4,5 (two sides, node numbers)");
    }
    List<Integer> a = nodes(parts[0]);
    List<Integer> b = nodes(parts[1]);
    if (a.stream().anyMatch(b::contains)) {
      throw new IllegalArgumentException("a node cannot be on both sides");
    }
    try (DialClient c = client.connect()) {
      Map<Integer, String> addresses = addresses(c);
      for (int n : a) {
        c.blockPeers(address(addresses, n), b);
      }
      for (int n : b) {
        c.blockPeers(address(addresses, n), a);
      }
    }
    out.println("partitioned: " + a + " | " + b + " (heal undoes it)");
  }

  private void heal() {
    try (DialClient c = client.connect()) {
      List<String> failed = new ArrayList<>();
      addresses(c).forEach((n, address) -> {
        try {
          c.blockPeers(address, List.of());
        } catch (DialException e) {
          failed.add("n" + n + " (" + e.getMessage() + ")");
        }
      });
      out.println(failed.isEmpty() ? "healed: every link open" : "healed, except " + String.join(", ", failed));
    }
  }

  private static List<Integer> nodes(String list) {
    List<Integer> nodes = new ArrayList<>();
    for (String n : list.split(",")) {
      String t = n.trim().replaceFirst("^n", "");
      if (!t.matches("[0-9]{1,4}")) {
        throw new IllegalArgumentException("'" + n.trim() + "' is not a node number");
      }
      nodes.add(Integer.parseInt(t));
    }
    return nodes;
  }

  private static Map<Integer, String> addresses(DialClient c) {
    Map<Integer, String> addresses = new LinkedHashMap<>();
    for (NodeInfo node : c.topology().getNodesList()) {
      addresses.put(node.getNodeId(), node.getAddress());
    }
    return addresses;
  }

  private static String address(Map<Integer, String> addresses, int node) {
    String a = addresses.get(node);
    if (a == null) {
      throw new IllegalArgumentException("no node " + node + " in the cluster; nodes are " + addresses.keySet());
    }
    return a;
  }

  private void complete(List<String> words, int index, List<Candidate> candidates) {
    if (index == 0) {
      Set<String> names = new TreeSet<>(commands.getSubcommands().keySet());
      names.addAll(BUILT_INS);
      names.forEach(n -> candidates.add(new Candidate(n)));
      return;
    }
    String first = words.get(0);
    if (first.equals("consistency")) {
      LEVELS.forEach(l -> candidates.add(new Candidate(l)));
      candidates.add(new Candidate("default"));
    } else if (first.equals("trace")) {
      candidates.add(new Candidate("on"));
      candidates.add(new Candidate("off"));
    } else {
      CommandSpec spec = specOf(words.subList(0, index));
      if (spec != null) {
        spec.subcommands().keySet().forEach(n -> candidates.add(new Candidate(n)));
        spec.options().forEach(o -> candidates.add(new Candidate(o.longestName())));
      }
    }
  }
}
