package io.dialkv.core.ring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TokenRingTest {
  private final TokenRing ring = TokenRing.create(List.of(1, 2, 3, 4, 5), 64, 3);

  @Test
  void everyKeyHasReplicationFactorDistinctReplicas() {
    for (int i = 0; i < 10_000; i++) {
      List<Integer> replicas = ring.replicasFor("key-" + i);
      assertThat(replicas).hasSize(3).doesNotHaveDuplicates();
    }
  }

  @Test
  void everyNodeComputesTheSameRingFromTheSameMembers() {
    TokenRing elsewhere = TokenRing.create(List.of(5, 4, 3, 2, 1), 64, 3);
    for (int i = 0; i < 1_000; i++) {
      assertThat(elsewhere.replicasFor("k" + i)).isEqualTo(ring.replicasFor("k" + i));
    }
  }

  @Test
  void keyTokensAreMurmur3() {
    // Murmur3 x64-128 (seed 0), first 64 bits little-endian, of the empty input is 0.
    assertThat(TokenRing.tokenOf("")).isZero();
    assertThat(TokenRing.tokenOf("greeting")).isEqualTo(TokenRing.tokenOf("greeting"));
    assertThat(TokenRing.tokenOf("greeting")).isNotEqualTo(TokenRing.tokenOf("greetinG"));
  }

  @Test
  void sharesSumToOneAndToTheReplicationFactor() {
    double primary = 0;
    double replica = 0;
    for (int node : ring.nodes()) {
      primary += ring.primaryShare(node);
      replica += ring.replicaShare(node);
    }
    assertThat(primary).isCloseTo(1.0, within(1e-9));
    assertThat(replica).isCloseTo(3.0, within(1e-9));
  }

  @Test
  void keysSpreadRoughlyEvenlyAcrossNodes() {
    Map<Integer, Integer> primaries = new HashMap<>();
    int keys = 100_000;
    for (int i = 0; i < keys; i++) {
      primaries.merge(ring.replicasFor("user-" + i).get(0), 1, Integer::sum);
    }
    for (int node : ring.nodes()) {
      double share = primaries.get(node) / (double) keys;
      // 64 virtual nodes per node keep every share within a few points of 20%.
      assertThat(share).isBetween(0.14, 0.26);
      assertThat(share).isCloseTo(ring.primaryShare(node), within(0.01));
    }
  }

  @Test
  void replicationFactorLargerThanTheClusterIsRefused() {
    assertThatThrownBy(() -> TokenRing.create(List.of(1, 2), 8, 3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("replication factor 3 needs at least that many nodes");
  }

  @Test
  void singleNodeRingOwnsEverything() {
    TokenRing one = TokenRing.create(List.of(7), 1, 1);
    assertThat(one.replicasFor("anything")).containsExactly(7);
    assertThat(one.primaryShare(7)).isCloseTo(1.0, within(1e-9));
  }
}
