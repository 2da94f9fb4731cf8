package io.dialkv.cli.lab;

import java.util.ArrayList;
import java.util.List;

/** A line chart for the report: series of points, and vertical markers (a kill, a join). */
record Chart(String title, String xLabel, String yLabel, List<Series> series, List<Marker> markers) {
  record Series(String name, List<double[]> points, boolean dashed) {}

  record Marker(double x, String label) {}

  Chart {
    series = List.copyOf(series);
    markers = List.copyOf(markers);
  }

  static Series series(String name, boolean dashed) {
    return new Series(name, new ArrayList<>(), dashed);
  }
}
