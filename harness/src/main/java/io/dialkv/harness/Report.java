package io.dialkv.harness;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.dialkv.checker.history.History;
import io.dialkv.checker.history.Op;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;

/**
 * Writes a run's report folder: {@code history.edn} (Jepsen's format), {@code results.json} and
 * {@code report.html} (self-contained: inline SVG, no scripts, opens offline), and renders the
 * trade-off table for the terminal.
 */
public final class Report {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();

  private Report() {}

  public static void write(TestRun.Result result, List<Op> events) throws IOException {
    Files.writeString(result.reportDir().resolve("history.edn"), new History(events).toEdn());
    Files.writeString(result.reportDir().resolve("results.json"), json(result));
    Files.writeString(result.reportDir().resolve("report.html"), html(result));
  }

  /** The trade-off table, one row per level, as Markdown-style text. */
  public static String table(TestRun.Result result) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("nemesis %s, %d s, %d nodes, replication factor %d%n", result.options().nemesis(),
        result.options().duration().toSeconds(), result.options().nodes(), result.options().replicationFactor()));
    String format = "| %-12s | %-20s | %-27s | %-11s | %-17s | %-12s | %-13s |%n";
    b.append(String.format(format, "level", "served during fault", "ok / fail / indeterminate", "stale reads",
        "lost acked writes", "linearizable", "p50 / p99 ms"));
    b.append(String.format(format, "---", "---", "---", "---", "---", "---", "---"));
    for (LevelResult r : result.levels()) {
      b.append(String.format(format, r.level(), served(r), r.ok() + " / " + r.failed() + " / " + r.indeterminate(),
          r.anomalies().staleReads(), r.anomalies().lostWrites(), verdict(r),
          String.format(Locale.ROOT, "%.1f / %.1f", r.p50Millis(), r.p99Millis())));
    }
    b.append(String.format("profile updates (each field its own register, last write wins):%n"));
    for (ProfileResult p : result.profiles()) {
      b.append(String.format("  %-12s %d ok / %d fail / %d indeterminate, %d acknowledged updates lost%n",
          p.level(), p.ok(), p.failed(), p.indeterminate(), p.lostUpdates()));
    }
    return b.toString();
  }

  private static String served(LevelResult r) {
    return r.invokedDuringFault() == 0
        ? "no fault"
        : String.format(Locale.ROOT, "%.0f%% (%d of %d)", 100 * r.servedDuringFault(), r.answeredDuringFault(),
            r.invokedDuringFault());
  }

  private static String verdict(LevelResult r) {
    return switch (r.verdict()) {
      case LINEARIZABLE -> "yes";
      case NOT_LINEARIZABLE -> "NO";
      case UNKNOWN -> "unknown";
    };
  }

  static String json(TestRun.Result result) {
    JsonObject root = new JsonObject();
    TestRun.Options o = result.options();
    root.addProperty("nemesis", o.nemesis());
    root.addProperty("seconds", o.duration().toSeconds());
    root.addProperty("nodes", o.nodes());
    root.addProperty("replication_factor", o.replicationFactor());
    root.addProperty("seed", o.seed());
    JsonArray faults = new JsonArray();
    for (Analysis.FaultWindow w : result.faults()) {
      JsonObject f = new JsonObject();
      f.addProperty("start_ms", w.startMillis());
      f.addProperty("end_ms", w.endMillis());
      f.addProperty("fault", w.what());
      faults.add(f);
    }
    root.add("faults", faults);
    JsonArray levels = new JsonArray();
    for (LevelResult r : result.levels()) {
      JsonObject l = new JsonObject();
      l.addProperty("level", r.level());
      l.addProperty("invoked", r.invoked());
      l.addProperty("ok", r.ok());
      l.addProperty("fail", r.failed());
      l.addProperty("indeterminate", r.indeterminate());
      l.addProperty("invoked_during_fault", r.invokedDuringFault());
      l.addProperty("answered_during_fault", r.answeredDuringFault());
      l.addProperty("stale_reads", r.anomalies().staleReads());
      l.addProperty("lost_acknowledged_writes", r.anomalies().lostWrites());
      l.addProperty("read_your_writes_violations", r.anomalies().readYourWrites());
      l.addProperty("monotonic_read_violations", r.anomalies().monotonicReads());
      l.addProperty("linearizable", r.verdict().name().toLowerCase(Locale.ROOT));
      l.addProperty("counterexample", r.counterexample());
      l.addProperty("p50_ms", r.p50Millis());
      l.addProperty("p99_ms", r.p99Millis());
      JsonArray examples = new JsonArray();
      r.anomalies().examples().forEach(examples::add);
      l.add("anomaly_examples", examples);
      levels.add(l);
    }
    root.add("levels", levels);
    JsonArray profiles = new JsonArray();
    for (ProfileResult p : result.profiles()) {
      JsonObject j = new JsonObject();
      j.addProperty("level", p.level());
      j.addProperty("ok", p.ok());
      j.addProperty("fail", p.failed());
      j.addProperty("indeterminate", p.indeterminate());
      j.addProperty("lost_acknowledged_updates", p.lostUpdates());
      JsonArray examples = new JsonArray();
      p.examples().forEach(examples::add);
      j.add("examples", examples);
      profiles.add(j);
    }
    root.add("profile_updates", profiles);
    return GSON.toJson(root);
  }

  static String html(TestRun.Result result) {
    StringBuilder b = new StringBuilder();
    b.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>dialkv partition test: ")
        .append(escape(result.options().nemesis())).append("</title><style>")
        .append("body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
        .append("td,th{border:1px solid #bbb;padding:4px 8px;text-align:right}th{background:#eee}")
        .append("td:first-child{text-align:left}pre{background:#f6f6f6;padding:8px;overflow:auto}")
        .append(".legend span{margin-right:1.5em}</style></head><body>");
    b.append("<h1>dialkv partition test</h1><p>").append(escape(table(result).lines().findFirst().orElse("")))
        .append("</p><h2>Trade-offs per consistency level</h2><table><tr>");
    for (String h : List.of("level", "served during fault", "ok / fail / indeterminate", "stale reads",
        "lost acked writes", "read-your-writes violations", "monotonic-read violations", "linearizable",
        "p50 / p99 ms")) {
      b.append("<th>").append(h).append("</th>");
    }
    b.append("</tr>");
    for (LevelResult r : result.levels()) {
      b.append("<tr><td>").append(r.level()).append("</td><td>").append(served(r)).append("</td><td>")
          .append(r.ok()).append(" / ").append(r.failed()).append(" / ").append(r.indeterminate())
          .append("</td><td>").append(r.anomalies().staleReads()).append("</td><td>")
          .append(r.anomalies().lostWrites()).append("</td><td>").append(r.anomalies().readYourWrites())
          .append("</td><td>").append(r.anomalies().monotonicReads()).append("</td><td>").append(verdict(r))
          .append("</td><td>").append(String.format(Locale.ROOT, "%.1f / %.1f", r.p50Millis(), r.p99Millis()))
          .append("</td></tr>");
    }
    b.append("</table><h2>Profile updates</h2><p>Every node updates fields of the same few profiles; each field ")
        .append("is its own register (last write wins), so updates of different fields on two sides of a partition ")
        .append("both survive. A lost update is an acknowledged update that came after the one the final profile ")
        .append("kept.</p><table><tr><th>level</th><th>ok / fail / indeterminate</th><th>lost acknowledged updates")
        .append("</th></tr>");
    for (ProfileResult p : result.profiles()) {
      b.append("<tr><td>").append(p.level()).append("</td><td>").append(p.ok()).append(" / ").append(p.failed())
          .append(" / ").append(p.indeterminate()).append("</td><td>").append(p.lostUpdates()).append("</td></tr>");
    }
    b.append("</table><p class=\"legend\">Charts: <span style=\"color:#2a2\">&#9679; ok</span>")
        .append("<span style=\"color:#d22\">&#9679; fail</span><span style=\"color:#e90\">&#9679; indeterminate</span>")
        .append("<span style=\"background:#fdd\">&nbsp;fault in force&nbsp;</span></p>");
    double end = result.levels().stream().flatMap(r -> r.points().stream())
        .mapToDouble(p -> p.startMillis() + p.latencyMillis()).max().orElse(1);
    for (LevelResult r : result.levels()) {
      b.append("<h2>").append(r.level()).append("</h2><h3>Latency over time (log scale)</h3>");
      b.append(latencyChart(r, result.faults(), end));
      b.append("<h3>Acknowledged operations per second</h3>").append(throughputChart(r, result.faults(), end));
      if (!r.counterexample().isEmpty()) {
        b.append("<h3>Why not linearizable</h3><pre>").append(escape(r.counterexample())).append("</pre>");
      }
      if (!r.anomalies().examples().isEmpty()) {
        b.append("<h3>Anomalies (first ").append(r.anomalies().examples().size()).append(")</h3><pre>");
        r.anomalies().examples().forEach(e -> b.append(escape(e)).append('\n'));
        b.append("</pre>");
      }
    }
    b.append("<h2>Faults</h2><pre>");
    for (Analysis.FaultWindow w : result.faults()) {
      b.append(String.format(Locale.ROOT, "%8.1f s - %8.1f s  %s%n", w.startMillis() / 1000, w.endMillis() / 1000,
          escape(w.what())));
    }
    b.append("</pre><p>The full history is in history.edn (Jepsen's format); check it again with ")
        .append("<code>dialkv check history.edn --model register</code> (operations are keyed; one level at a time ")
        .append("gives per-level verdicts).</p></body></html>\n");
    return b.toString();
  }

  private static final int WIDTH = 960;
  private static final int HEIGHT = 220;
  private static final int LEFT = 50;

  private static String frame(List<Analysis.FaultWindow> faults, double end, StringBuilder body, String yLabel) {
    StringBuilder svg = new StringBuilder();
    svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(WIDTH).append("\" height=\"")
        .append(HEIGHT + 30).append("\" style=\"border:1px solid #ccc\">");
    for (Analysis.FaultWindow w : faults) {
      double x0 = x(w.startMillis(), end);
      double x1 = x(w.endMillis(), end);
      svg.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"0\" width=\"%.1f\" height=\"%d\" fill=\"#fdd\"><title>%s</title></rect>",
          x0, Math.max(1, x1 - x0), HEIGHT, escape(w.what())));
    }
    svg.append(body);
    for (int s = 0; s <= end / 1000; s += Math.max(1, (int) (end / 1000 / 10))) {
      svg.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%ds</text>", x(s * 1000.0, end),
          HEIGHT + 15, s));
    }
    svg.append("<text x=\"2\" y=\"12\" font-size=\"11\">").append(yLabel).append("</text></svg>");
    return svg.toString();
  }

  private static double x(double millis, double end) {
    return LEFT + (WIDTH - LEFT - 10) * millis / end;
  }

  private static String latencyChart(LevelResult r, List<Analysis.FaultWindow> faults, double end) {
    StringBuilder body = new StringBuilder();
    // log10 latency from 0.1 ms to 10 s
    for (double ms : new double[] {1, 10, 100, 1000}) {
      double y = yLog(ms);
      body.append(String.format(Locale.ROOT, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"#eee\"/>"
          + "<text x=\"2\" y=\"%.1f\" font-size=\"10\">%s</text>", LEFT, WIDTH, y, y, y + 3,
          ms >= 1000 ? (int) (ms / 1000) + " s" : (int) ms + " ms"));
    }
    int step = Math.max(1, r.points().size() / 6000); // keep the page light
    for (int i = 0; i < r.points().size(); i += step) {
      LevelResult.Point p = r.points().get(i);
      String color = switch (p.outcome()) {
        case "ok" -> "#2a2";
        case "fail" -> "#d22";
        default -> "#e90";
      };
      body.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"1.6\" fill=\"%s\"/>",
          x(p.startMillis(), end), yLog(p.latencyMillis()), color));
    }
    return frame(faults, end, body, "latency");
  }

  private static double yLog(double ms) {
    double v = Math.log10(Math.max(0.1, Math.min(10_000, ms)));
    return HEIGHT - (v + 1) / 5 * (HEIGHT - 10);
  }

  private static String throughputChart(LevelResult r, List<Analysis.FaultWindow> faults, double end) {
    int seconds = (int) Math.ceil(end / 1000) + 1;
    int[] perSecond = new int[seconds];
    for (LevelResult.Point p : r.points()) {
      if (p.outcome().equals("ok")) {
        perSecond[Math.min(seconds - 1, (int) ((p.startMillis() + p.latencyMillis()) / 1000))]++;
      }
    }
    int max = 1;
    for (int v : perSecond) {
      max = Math.max(max, v);
    }
    StringBuilder points = new StringBuilder();
    for (int s = 0; s < seconds; s++) {
      points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x(s * 1000 + 500.0, end),
          HEIGHT - (double) perSecond[s] / max * (HEIGHT - 20)));
    }
    StringBuilder body = new StringBuilder("<polyline fill=\"none\" stroke=\"#26c\" stroke-width=\"1.5\" points=\"")
        .append(points).append("\"/>")
        .append(String.format("<text x=\"2\" y=\"30\" font-size=\"10\">max %d/s</text>", max));
    return frame(faults, end, body, "ops/s");
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
