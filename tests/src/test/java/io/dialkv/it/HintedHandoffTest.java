package io.dialkv.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dialkv.client.DialClient;
import io.dialkv.harness.ProcessCluster;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.PendingHints;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hinted handoff across real processes: a replica SIGKILLed while QUORUM writes go on gets every
 * write it missed from the other nodes' hints once it is back — checked by reading each key at ONE
 * from that replica alone, with asynchronous read repair off, so that only the hints can have
 * brought the data.
 */
class HintedHandoffTest {
  private static final Logger log = LoggerFactory.getLogger(HintedHandoffTest.class);
  private static final int KEYS = 500;
  private ProcessCluster cluster;

  @BeforeEach
  void start() throws Exception {
    cluster = Clusters.startWith(3, 3, "--read-repair-chance", "0");
    cluster.awaitHealthy(Duration.ofSeconds(60));
  }

  @AfterEach
  void stop() {
    cluster.close();
  }

  private long pendingHints(DialClient client, int holder) {
    return client.hints(cluster.node(holder).endpoint()).getPendingList().stream()
        .mapToLong(PendingHints::getCount).sum();
  }

  @Test
  void aKilledReplicaGetsEveryWriteItMissedFromHintsAfterItsRestart() throws Exception {
    try (DialClient client = cluster.client()) {
      cluster.node(3).kill();
      for (int i = 0; i < KEYS; i++) {
        client.put("missed-" + i, ("v" + i).getBytes(StandardCharsets.UTF_8), Consistency.QUORUM);
      }
      // Each write was coordinated by n1 or n2, which kept one hint for n3.
      assertThat(pendingHints(client, 1) + pendingHints(client, 2)).isEqualTo(KEYS);

      cluster.node(3).start();
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
          .until(() -> pendingHints(client, 1) + pendingHints(client, 2) == 0);
    }
    try (DialClient onlyN3 = cluster.clientOf(3)) {
      for (int i = 0; i < KEYS; i++) {
        assertThat(onlyN3.get("missed-" + i, Consistency.ONE, false).getValue().toStringUtf8())
            .as("missed-%d read from n3 alone", i).isEqualTo("v" + i);
      }
    }
    for (int holder = 1; holder <= 2; holder++) {
      List<String> replays = Files.readAllLines(cluster.node(holder).log()).stream()
          .filter(l -> l.contains("replayed")).toList();
      log.info("n{}: {}", holder, replays);
    }
  }
}
