package io.dialkv.bench.race;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * The race's table: one row per workload, one column per store, every figure with its p99 and its
 * ratio to E (the echo's calls per second in the same run), then dialkv's ratio to each other store.
 */
@Command(name = "table", mixinStandardHelpOptions = true,
    description = "Print the race's results (the JSON lines of 'load' and of dialkv's bench) as a Markdown table.")
final class TableCommand implements Callable<Integer> {
  @Parameters(index = "0", description = "The results file, one JSON object per line.")
  Path results;

  record Figure(double opsPerSecond, double p99Ms, long errors) {}

  @Override
  public Integer call() throws Exception {
    Map<String, Map<String, Figure>> byStore = new LinkedHashMap<>();
    for (String line : Files.readAllLines(results)) {
      if (line.isBlank()) {
        continue;
      }
      JsonObject o = JsonParser.parseString(line).getAsJsonObject();
      byStore.computeIfAbsent(o.get("store").getAsString(), s -> new LinkedHashMap<>())
          .put(o.get("workload").getAsString(), new Figure(o.get("ops_per_second").getAsDouble(),
              o.get("p99_ms").getAsDouble(), o.get("errors").getAsLong()));
    }
    System.out.print(render(byStore));
    return 0;
  }

  static String render(Map<String, Map<String, Figure>> byStore) {
    Figure echo = byStore.getOrDefault("echo", Map.of()).get(Workloads.ECHO);
    List<String> stores = new ArrayList<>(byStore.keySet());
    stores.remove("echo");
    List<String> others = stores.stream().filter(s -> !s.startsWith("dialkv")).toList();
    StringBuilder out = new StringBuilder();
    out.append(echo == null ? "E: not measured\n\n"
        : String.format("E (bare gRPC unary echo, 2 JVMs): %,.0f calls/s (p99 %.1f ms)%n%n", echo.opsPerSecond(), echo.p99Ms()));
    out.append("| operation |");
    stores.forEach(s -> out.append(' ').append(s).append(" |"));
    others.forEach(s -> out.append(" dialkv / ").append(s).append(" |"));
    out.append("\n|---|");
    stores.forEach(s -> out.append("---|"));
    others.forEach(s -> out.append("---|"));
    out.append('\n');
    for (String w : Workloads.ROWS) {
      if (stores.stream().noneMatch(s -> byStore.get(s).containsKey(w))) {
        continue;
      }
      out.append("| ").append(Workloads.label(w)).append(" |");
      for (String s : stores) {
        Figure f = byStore.get(s).get(w);
        out.append(' ').append(f == null ? "—" : cell(f, echo)).append(" |");
      }
      Figure ours = byStore.getOrDefault("dialkv", Map.of()).get(w);
      for (String s : others) {
        Figure theirs = byStore.get(s).get(w);
        out.append(' ').append(ours == null || theirs == null || theirs.opsPerSecond() == 0 ? "—"
            : String.format("%.2fx", ours.opsPerSecond() / theirs.opsPerSecond())).append(" |");
      }
      out.append('\n');
    }
    return out.toString();
  }

  private static String cell(Figure f, Figure echo) {
    String cell = String.format("%,.0f (p99 %.1f)", f.opsPerSecond(), f.p99Ms());
    if (echo != null && echo.opsPerSecond() > 0) {
      cell += String.format(" = %.2f E", f.opsPerSecond() / echo.opsPerSecond());
    }
    return f.errors() == 0 ? cell : cell + String.format(", %,d errors", f.errors());
  }
}
