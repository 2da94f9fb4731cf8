package io.dialkv.harness.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CampaignTest {

  @Test
  void aVerdictIsCountedUnderTheLevelItSpeaksOf() {
    assertThat(Campaign.levelOf("QUORUM profiles: 2 lost updates")).isEqualTo("QUORUM");
    assertThat(Campaign.levelOf("LINEARIZABLE: not linearizable: …")).isEqualTo("LINEARIZABLE");
    assertThat(Campaign.levelOf("ONE: 3 stale reads (eventual consistency)")).isEqualTo("ONE");
    assertThat(Campaign.levelOf("the run failed: java.lang.IllegalStateException")).isEqualTo("other");
  }

  @Test
  void theTableCountsSeedsPerNemesisAndLevelAndAgreesWithTheTotals() throws Exception {
    // Power loss without synced writes forgets acknowledged writes at most seeds: allowed, shown.
    Campaign.Summary summary = Campaign.run(500, 12, 2,
        s -> Simulation.Options.defaults(s, s % 2 == 0 ? "power-loss-unsynced" : "none"), p -> {}, f -> {});

    assertThat(summary.failures()).isEmpty();
    assertThat(summary.seedsByNemesis()).containsOnly(Map.entry("none", 6L), Map.entry("power-loss-unsynced", 6L));
    Map<String, Campaign.Tally> unsynced = summary.byNemesisAndLevel().get("power-loss-unsynced");
    assertThat(unsynced.values()).extracting(Campaign.Tally::allowed).anyMatch(n -> n > 0);
    // With no fault only ONE may show what it allows (a read that beat a write's replication).
    summary.byNemesisAndLevel().getOrDefault("none", Map.of()).forEach((level, t) -> {
      assertThat(t.violations()).isZero();
      assertThat(t.allowed()).as(level).isEqualTo(level.equals("ONE") ? t.allowed() : 0);
    });
    for (String level : List.of("ONE", "QUORUM", "ALL", "LINEARIZABLE")) {
      // A level counts once per seed, registers and profiles together: at least the largest of its
      // totals (registers, profiles, under power loss or not), at most their sum.
      long inTable = summary.byNemesisAndLevel().values().stream()
          .mapToLong(row -> row.getOrDefault(level, new Campaign.Tally(0, 0)).allowed()).sum();
      List<Long> totals = summary.allowedByLevel().entrySet().stream()
          .filter(e -> Campaign.levelOf(e.getKey()).equals(level)).map(Map.Entry::getValue).toList();
      assertThat(inTable).as(level + " against " + summary.allowedByLevel())
          .isBetween(totals.stream().mapToLong(Long::longValue).max().orElse(0),
              totals.stream().mapToLong(Long::longValue).sum());
    }

    List<String> lines = summary.table().lines().toList();
    assertThat(lines.get(0)).contains("nemesis", "seeds", "ONE", "QUORUM", "ALL", "LINEARIZABLE");
    assertThat(lines).hasSize(3);
    assertThat(lines.get(2)).startsWith("power-loss-unsynced").doesNotContain("!");
  }
}
