package io.dialkv.cli.top;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * What happened between two scrapes of one node: counter increases and latency histograms over
 * the interval, the way Prometheus' {@code rate} and {@code histogram_quantile} see them. A counter
 * that went down means the node restarted; then its whole value is the increase.
 */
final class Rates {
  private final Scrape before;
  private final Scrape now;

  Rates(Scrape before, Scrape now) {
    this.before = before;
    this.now = now;
  }

  /** How much the samples of {@code name} passing {@code filter} increased, summed. */
  double increase(String name, Predicate<Map<String, String>> filter) {
    double total = 0;
    for (Scrape.Sample s : now.samples()) {
      if (s.name().equals(name) && filter.test(s.labels())) {
        total += increase(s.value(), previous(s));
      }
    }
    return total;
  }

  /** The increases of {@code name}'s samples passing {@code filter}, by the value of {@code label}. */
  Map<String, Double> increaseBy(String name, String label, Predicate<Map<String, String>> filter) {
    Map<String, Double> by = new TreeMap<>();
    for (Scrape.Sample s : now.samples()) {
      if (s.name().equals(name) && filter.test(s.labels())) {
        double inc = increase(s.value(), previous(s));
        if (inc > 0) {
          by.merge(s.labels().getOrDefault(label, ""), inc, Double::sum);
        }
      }
    }
    return by;
  }

  /**
   * The interval's histogram of {@code name} over the series passing {@code filter}, merged, as
   * cumulative counts per bound of {@code into} (added to it); {@code into} null to start one.
   */
  Scrape.Histogram addHistogram(String name, Predicate<Map<String, String>> filter, Scrape.Histogram into) {
    Scrape.Histogram sum = into;
    for (Scrape.Histogram h : now.histograms()) {
      if (!h.name().equals(name) || !filter.test(h.labels())) {
        continue;
      }
      Scrape.Histogram was = before == null ? null : before.histograms().stream()
          .filter(b -> b.name().equals(name) && b.labels().equals(h.labels())).findFirst().orElse(null);
      boolean restarted = was == null || was.count() > h.count() || was.bounds().length != h.bounds().length;
      if (sum == null) {
        sum = new Scrape.Histogram(name, Map.of(), h.bounds().clone(), new double[h.bounds().length]);
      } else if (sum.bounds().length != h.bounds().length) {
        continue; // a node of another version, other buckets: not merged
      }
      for (int i = 0; i < h.bounds().length; i++) {
        sum.cumulative()[i] += h.cumulative()[i] - (restarted ? 0 : was.cumulative()[i]);
      }
    }
    return sum;
  }

  private double previous(Scrape.Sample s) {
    if (before == null) {
      return 0; // the first interval of a node starts at its start
    }
    for (Scrape.Sample b : before.samples()) {
      if (b.name().equals(s.name()) && b.labels().equals(s.labels())) {
        return b.value();
      }
    }
    return 0;
  }

  private static double increase(double now, double before) {
    return now >= before ? now - before : now;
  }

  /**
   * The {@code q} quantile of a histogram's observations, interpolated linearly within the bucket
   * it falls in (as {@code histogram_quantile}); NaN with no observation. In the +Inf bucket it is
   * the highest finite bound: "more than that".
   */
  static double quantile(Scrape.Histogram h, double q) {
    if (h == null || h.count() <= 0) {
      return Double.NaN;
    }
    double rank = q * h.count();
    double lowerBound = 0;
    double lowerCount = 0;
    for (int i = 0; i < h.bounds().length; i++) {
      double upper = h.bounds()[i];
      double count = h.cumulative()[i];
      if (count >= rank) {
        if (Double.isInfinite(upper)) {
          return lowerBound;
        }
        double inBucket = count - lowerCount;
        return inBucket <= 0 ? upper : lowerBound + (upper - lowerBound) * (rank - lowerCount) / inBucket;
      }
      lowerBound = upper;
      lowerCount = count;
    }
    return lowerBound;
  }
}
