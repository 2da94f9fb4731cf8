package io.dialkv.cli.top;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.stream.Collectors;

/** A {@link Frame} as the text table {@code dialkv top} redraws. */
final class TopTable {
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

  private TopTable() {}

  static String render(Frame f) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("dialkv top   %s   last %.1f s%n", CLOCK.format(Instant.ofEpochMilli(f.atMillis())), f.seconds()));
    if (!f.note().isEmpty()) {
      b.append(f.note()).append('\n');
    }
    b.append(String.format("%-5s %-8s %9s %8s %7s  %s%n", "node", "state", "ops/s", "p99 ms", "hints", "errors/s"));
    for (Frame.NodeRow n : f.nodes()) {
      String state = n.state() + (n.seenDown() && !n.state().equals("down") ? "?" : "");
      String tail = n.why().isEmpty() ? errors(n.errorsPerSecond()) : n.why();
      b.append(String.format("%-5s %-8s %9s %8s %7s  %s%n", "n" + n.node(), state, ops(n.opsPerSecond()),
          ms(n.p99Millis()), n.hintsPending() < 0 ? "-" : String.format("%,d", n.hintsPending()), tail));
    }
    b.append('\n');
    b.append(String.format("%-13s %9s %8s  %s%n", "level", "ops/s", "p99 ms", "errors/s"));
    for (Frame.LevelRow l : f.levels()) {
      b.append(String.format("%-13s %9s %8s  %s%n", l.level(), ops(l.opsPerSecond()), ms(l.p99Millis()),
          errors(l.errorsPerSecond())));
    }
    return b.toString();
  }

  private static String ops(double perSecond) {
    return Double.isNaN(perSecond) ? "-" : String.format("%,.0f", perSecond);
  }

  private static String ms(double millis) {
    return Double.isNaN(millis) ? "-" : millis < 10 ? String.format("%.2f", millis) : String.format("%,.0f", millis);
  }

  private static String errors(Map<String, Double> byKind) {
    if (byKind.isEmpty()) {
      return "-";
    }
    return byKind.entrySet().stream()
        .map(e -> String.format("%s %.1f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }
}
