package io.dialkv.cli.top;

import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_36_2.Metrics;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One node's metrics at one moment, as its metrics port served them in Prometheus' protobuf
 * exposition (parsed by the Prometheus client's own classes, so the names and types are exactly
 * what the node registered).
 */
record Scrape(List<Sample> samples, List<Histogram> histograms) {
  /** The protobuf exposition, asked for by the HTTP Accept header. */
  static final String ACCEPT =
      "application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited";

  /** A counter's or gauge's value. Counter names carry {@code _total}, as in the text format. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** A histogram: upper bounds (the last +Inf) and the cumulative count of each. */
  record Histogram(String name, Map<String, String> labels, double[] bounds, double[] cumulative) {
    double count() {
      return cumulative.length == 0 ? 0 : cumulative[cumulative.length - 1];
    }
  }

  static Scrape parse(InputStream in) throws IOException {
    List<Sample> samples = new ArrayList<>();
    List<Histogram> histograms = new ArrayList<>();
    for (Metrics.MetricFamily f = Metrics.MetricFamily.parseDelimitedFrom(in); f != null;
        f = Metrics.MetricFamily.parseDelimitedFrom(in)) {
      String name = f.getName();
      for (Metrics.Metric m : f.getMetricList()) {
        Map<String, String> labels = new TreeMap<>();
        m.getLabelList().forEach(l -> labels.put(l.getName(), l.getValue()));
        switch (f.getType()) {
          case COUNTER -> samples.add(new Sample(name.endsWith("_total") ? name : name + "_total", labels,
              m.getCounter().getValue()));
          case GAUGE -> samples.add(new Sample(name, labels, m.getGauge().getValue()));
          case HISTOGRAM -> histograms.add(histogram(name, labels, m.getHistogram()));
          default -> {}
        }
      }
    }
    return new Scrape(List.copyOf(samples), List.copyOf(histograms));
  }

  private static Histogram histogram(String name, Map<String, String> labels, Metrics.Histogram h) {
    int n = h.getBucketCount();
    boolean hasInf = n > 0 && Double.isInfinite(h.getBucket(n - 1).getUpperBound());
    double[] bounds = new double[hasInf ? n : n + 1];
    double[] cumulative = new double[bounds.length];
    for (int i = 0; i < n; i++) {
      bounds[i] = h.getBucket(i).getUpperBound();
      cumulative[i] = h.getBucket(i).getCumulativeCount();
    }
    if (!hasInf) {
      bounds[n] = Double.POSITIVE_INFINITY;
      cumulative[n] = h.getSampleCount();
    }
    return new Histogram(name, labels, bounds, cumulative);
  }

  /** The sum of every sample of {@code name} whose labels pass {@code filter}. */
  double sum(String name, Predicate<Map<String, String>> filter) {
    double total = 0;
    for (Sample s : samples) {
      if (s.name.equals(name) && filter.test(s.labels)) {
        total += s.value;
      }
    }
    return total;
  }
}
