package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.client.DialClient;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.security.Role;
import io.dialkv.security.Tokens;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The denial of service that used to pin most of a node's memory: many connections, each with many
 * streams that start a large request and never finish it. The node's memory stays bounded (its
 * heap, plus at most 256 MB of network buffers), callers without credentials are turned away before
 * their data is buffered at all, and the node serves on.
 */
class ResourceAbuseTest {
  private static final Logger log = LoggerFactory.getLogger(ResourceAbuseTest.class);
  private static final int MB = 1 << 20;

  private static long rssBytes(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    throw new IllegalStateException("no VmRSS for " + pid);
  }

  /** The most RSS seen while the flood runs for {@code seconds}. */
  private static long peakDuring(long pid, int seconds) throws Exception {
    long peak = 0;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      peak = Math.max(peak, rssBytes(pid));
      TimeUnit.MILLISECONDS.sleep(100); // sampling another process's memory; nothing to wait for
    }
    return peak;
  }

  @Test
  void unfinishedLargeMessagesCannotExhaustANode() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(Path.of("/proc/self/status")),
        "measures memory through /proc (Linux)");
    try (ProcessCluster cluster = Clusters.start(1, 1)) {
      cluster.awaitHealthy(Duration.ofSeconds(60));
      long pid = cluster.node(1).pid();
      String host = "127.0.0.1";
      int port = Integer.parseInt(cluster.node(1).endpoint().split(":")[1]);
      try (DialClient c = cluster.client()) {
        c.put("before", "x".getBytes(StandardCharsets.UTF_8), Consistency.ALL);
      }
      long before = rssBytes(pid);

      // Without credentials: refused at the headers, nothing buffered.
      long anonymousPeak;
      try (PartialMessageFlood flood = new PartialMessageFlood()) {
        flood.start(host, port, 4, 200, MB + 200_000, MB + 100_000, null);
        anonymousPeak = peakDuring(pid, 4);
      }
      // With a valid readwrite token: each stream may buffer up to a request's limit, and the
      // network buffers as a whole are capped.
      String token = Tokens.readTokenFile(cluster.tokenFile(Role.READWRITE));
      long authenticatedPeak;
      int closed;
      try (PartialMessageFlood flood = new PartialMessageFlood()) {
        flood.start(host, port, 8, 250, MB + 200_000, MB + 100_000, token);
        authenticatedPeak = peakDuring(pid, 8);
        // Each connection alone would buffer more than the cap, so the node must close every one of
        // them, and soon: an allocation that does not fit fails at once, it does not stall the loop.
        await().atMost(Duration.ofSeconds(20)).until(flood::connectionsClosed, n -> n == 8);
        closed = flood.connectionsClosed();
        log.info("flood: {} streams opened, {} closed by the node, {} of 8 connections closed", flood.streamsOpened,
            flood.streamsClosedByServer, closed);
      }
      log.info("node RSS: {} MB before, {} MB peak under an anonymous flood, {} MB peak under an authenticated one",
          before / MB, anonymousPeak / MB, authenticatedPeak / MB);
      assertThat(anonymousPeak - before).as("growth under the anonymous flood").isLessThan(64L * MB);
      // The harness runs nodes with a 256 MB heap; network buffers are capped at 256 MB; the rest
      // (RocksDB, classes, threads) is what the node used before the flood, well under 64 MB more.
      assertThat(authenticatedPeak).as("RSS under the authenticated flood").isLessThan((256L + 256 + 64) * MB);

      // Once the flood stops the node serves again at once (a client may need a reconnect: while
      // the network buffers were full, new handshakes had no memory to run in).
      assertThat(cluster.node(1).isAlive()).isTrue();
      try (DialClient c = cluster.client()) {
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
          c.put("after", "y".getBytes(StandardCharsets.UTF_8), Consistency.ALL);
          assertThat(c.get("before", Consistency.ALL, false).getValue().toStringUtf8()).isEqualTo("x");
        });
      }
    }
  }
}
