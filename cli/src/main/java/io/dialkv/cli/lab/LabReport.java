package io.dialkv.cli.lab;

import com.google.gson.GsonBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes an experiment's results.json and its offline report.html (charts as inline SVG). */
final class LabReport {
  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

  private LabReport() {}

  static void write(Experiment e, Map<String, Object> setup, List<String> leftovers, Path dir) throws IOException {
    Files.createDirectories(dir);
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("experiment", e.name);
    json.put("title", e.title);
    json.put("setup", setup);
    json.put("results", e.results);
    json.put("targets", e.targets);
    json.put("findings", e.findings);
    json.put("leftovers", leftovers);
    Files.writeString(dir.resolve("results.json"),
        new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(json));
    Files.writeString(dir.resolve("report.html"), html(e, setup, leftovers));
    // Each chart also as a picture of its own, for pages that cannot embed the report.
    for (int i = 0; i < e.charts.size(); i++) {
      Files.writeString(dir.resolve(e.name + "-" + (i + 1) + ".svg"), svg(e.charts.get(i)) + "\n");
    }
  }

  static String table(Experiment e) {
    StringBuilder s = new StringBuilder(e.title).append('\n');
    e.table.forEach(line -> s.append(line).append('\n'));
    e.findings.forEach(f -> s.append("- ").append(f).append('\n'));
    e.targets.forEach((what, met) -> s.append(met ? "  met      " : "  MISSED   ").append(what).append('\n'));
    return s.toString();
  }

  private static String html(Experiment e, Map<String, Object> setup, List<String> leftovers) {
    StringBuilder h = new StringBuilder();
    h.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>dialkv lab: ").append(esc(e.name))
        .append("</title><style>body{font-family:sans-serif;max-width:960px;margin:2em auto;color:#222}"
            + "pre{background:#f6f6f6;padding:1em;overflow-x:auto}.met{color:#2a7d2a}.missed{color:#b00}"
            + "svg{background:#fff;border:1px solid #ddd;margin:1em 0}</style></head><body>");
    h.append("<h1>").append(esc(e.title)).append("</h1>");
    h.append("<p>Setup: ").append(esc(setup.toString())).append("</p>");
    h.append("<pre>").append(esc(String.join("\n", e.table))).append("</pre>");
    if (!e.findings.isEmpty()) {
      h.append("<ul>");
      e.findings.forEach(f -> h.append("<li>").append(esc(f)).append("</li>"));
      h.append("</ul>");
    }
    if (!e.targets.isEmpty()) {
      h.append("<h2>Targets</h2><ul>");
      e.targets.forEach((what, met) -> h.append("<li class=\"").append(met ? "met" : "missed").append("\">")
          .append(met ? "met: " : "missed: ").append(esc(what)).append("</li>"));
      h.append("</ul>");
    }
    for (Chart c : e.charts) {
      h.append("<h2>").append(esc(c.title())).append("</h2>").append(svg(c));
    }
    h.append("<p>Left behind after the run: ").append(leftovers.isEmpty() ? "nothing" : esc(leftovers.toString()))
        .append("</p></body></html>\n");
    return h.toString();
  }

  /** A line chart: axes from zero, ticks, one polyline per series, dashed vertical markers. */
  static String svg(Chart c) {
    int w = 900;
    int ht = 360;
    int left = 70;
    int right = 20;
    int top = 30;
    int bottom = 50;
    double maxX = 0;
    double maxY = 0;
    for (Chart.Series s : c.series()) {
      for (double[] p : s.points()) {
        if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
          maxX = Math.max(maxX, p[0]);
          maxY = Math.max(maxY, p[1]);
        }
      }
    }
    for (Chart.Marker m : c.markers()) {
      maxX = Math.max(maxX, m.x());
    }
    maxX = maxX <= 0 ? 1 : maxX;
    maxY = niceCeiling(maxY <= 0 ? 1 : maxY * 1.05);
    double sx = (w - left - right) / maxX;
    double sy = (ht - top - bottom) / maxY;
    StringBuilder s = new StringBuilder();
    s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">", w, ht, w, ht));
    s.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>", w, ht));
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"14\" font-size=\"13\" font-weight=\"bold\">%s</text>", left, esc(c.title())));
    int x0 = left;
    int y0 = ht - bottom;
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", x0, y0, w - right, y0));
    s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>", x0, y0, x0, top));
    for (int i = 0; i <= 5; i++) {
      double v = maxY * i / 5;
      double y = y0 - v * sy;
      s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#eee\"/>", x0, y, w - right, y));
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>", x0 - 5, y + 4, label(v)));
      double xv = maxX * i / 5;
      double x = x0 + xv * sx;
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%s</text>", x, y0 + 15, label(xv)));
    }
    s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%s</text>",
        (w + left) / 2, ht - 12, esc(c.xLabel())));
    s.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%d\" font-size=\"12\" transform=\"rotate(-90 14 %d)\" text-anchor=\"middle\">%s</text>",
        (ht - bottom) / 2, (ht - bottom) / 2, esc(c.yLabel())));
    for (Chart.Marker m : c.markers()) {
      double x = x0 + m.x() * sx;
      s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>", x, y0, x, top));
      s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#555\">%s</text>", x + 3, top + 10, esc(m.label())));
    }
    int i = 0;
    for (Chart.Series series : c.series()) {
      String colour = COLOURS[i % COLOURS.length];
      StringBuilder pts = new StringBuilder();
      for (double[] p : series.points()) {
        if (Double.isFinite(p[0]) && Double.isFinite(p[1])) {
          pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x0 + p[0] * sx, y0 - p[1] * sy));
        }
      }
      s.append("<polyline fill=\"none\" stroke=\"").append(colour).append("\" stroke-width=\"2\"")
          .append(series.dashed() ? " stroke-dasharray=\"6 4\"" : "").append(" points=\"").append(pts).append("\"/>");
      s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"%s\">%s</text>",
          x0 + 10, top + 14 + 14 * i, colour, esc(series.name())));
      i++;
    }
    return s.append("</svg>").toString();
  }

  private static double niceCeiling(double v) {
    double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
    for (double step : new double[] {1, 2, 2.5, 5, 10}) {
      if (step * magnitude >= v) {
        return step * magnitude;
      }
    }
    return 10 * magnitude;
  }

  private static String label(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
