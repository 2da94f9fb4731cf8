package io.dialkv.cli.top;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusProtobufWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What {@code dialkv top} computes from two scrapes: counter increases (a restart is a reset, not a
 * negative rate) and histogram quantiles interpolated as Prometheus does; and that a scrape in the
 * Prometheus client's own protobuf exposition parses to the names and labels the node registered.
 */
class RatesTest {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter requests = Counter.builder().name("dialkv_requests").help("h")
      .labelNames("level", "outcome").register(registry);
  private final Histogram durations = Histogram.builder().name("dialkv_request_duration_seconds").help("h")
      .labelNames("level").classicOnly().classicUpperBounds(0.001, 0.01, 0.1).register(registry);

  private Scrape scrape() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new PrometheusProtobufWriter().write(bytes, registry.scrape());
    return Scrape.parse(new ByteArrayInputStream(bytes.toByteArray()));
  }

  @Test
  void aScrapeParsesToTheRegisteredNamesLabelsAndValues() throws IOException {
    requests.labelValues("quorum", "ok").inc(3);
    durations.labelValues("quorum").observe(0.005);
    Scrape s = scrape();
    assertThat(s.sum("dialkv_requests_total", l -> l.equals(Map.of("level", "quorum", "outcome", "ok")))).isEqualTo(3);
    Scrape.Histogram h = s.histograms().get(0);
    assertThat(h.name()).isEqualTo("dialkv_request_duration_seconds");
    assertThat(h.bounds()).containsExactly(0.001, 0.01, 0.1, Double.POSITIVE_INFINITY);
    assertThat(h.cumulative()).containsExactly(0, 1, 1, 1);
  }

  @Test
  void increasesAreWhatHappenedBetweenScrapesPerLabel() throws IOException {
    requests.labelValues("one", "ok").inc(10);
    Scrape before = scrape();
    requests.labelValues("one", "ok").inc(5);
    requests.labelValues("all", "unavailable").inc(2);
    Rates rates = new Rates(before, scrape());
    assertThat(rates.increase("dialkv_requests_total", l -> true)).isEqualTo(7);
    assertThat(rates.increaseBy("dialkv_requests_total", "outcome", l -> !"ok".equals(l.get("outcome"))))
        .containsExactly(Map.entry("unavailable", 2.0));
  }

  @Test
  void aCounterThatWentDownIsARestartAndCountsFromZero() throws IOException {
    requests.labelValues("one", "ok").inc(100);
    Scrape beforeRestart = scrape();
    PrometheusRegistry restarted = new PrometheusRegistry();
    Counter.builder().name("dialkv_requests").help("h").labelNames("level", "outcome").register(restarted)
        .labelValues("one", "ok").inc(4);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    new PrometheusProtobufWriter().write(bytes, restarted.scrape());
    Scrape after = Scrape.parse(new ByteArrayInputStream(bytes.toByteArray()));
    assertThat(new Rates(beforeRestart, after).increase("dialkv_requests_total", l -> true)).isEqualTo(4);
  }

  @Test
  void theP99IsInterpolatedWithinItsBucketFromTheIntervalOnly() throws IOException {
    for (int i = 0; i < 1000; i++) {
      durations.labelValues("quorum").observe(0.05); // before: slow, must not count
    }
    Scrape before = scrape();
    for (int i = 0; i < 100; i++) {
      durations.labelValues("quorum").observe(0.0005);
      durations.labelValues("one").observe(0.005);
    }
    Rates rates = new Rates(before, scrape());
    Scrape.Histogram quorum = rates.addHistogram("dialkv_request_duration_seconds",
        l -> "quorum".equals(l.get("level")), null);
    assertThat(Rates.quantile(quorum, 0.99)).isCloseTo(0.00099, within(1e-9));
    Scrape.Histogram both = rates.addHistogram("dialkv_request_duration_seconds", l -> true, null);
    // 200 observations, rank 198 falls in (0.001, 0.01], 98 of its 100 in: 0.001 + 0.009 * 0.98.
    assertThat(Rates.quantile(both, 0.99)).isCloseTo(0.00982, within(1e-9));
    assertThat(Rates.quantile(rates.addHistogram("nothing", l -> true, null), 0.99)).isNaN();
  }

  @Test
  void aQuantileBeyondTheLastBoundIsThatBound() throws IOException {
    Scrape before = scrape();
    durations.labelValues("all").observe(3.0);
    Scrape.Histogram h = new Rates(before, scrape()).addHistogram("dialkv_request_duration_seconds", l -> true, null);
    assertThat(Rates.quantile(h, 0.99)).isEqualTo(0.1);
  }
}
