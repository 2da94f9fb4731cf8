package io.dialkv.core.membership;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.ring.TokenRing;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MembershipTest {
  private static final Map<Integer, String> FIVE =
      Map.of(1, "h:1", 2, "h:2", 3, "h:3", 4, "h:4", 5, "h:5");

  @Test
  void gossipKeepsEachNodesHighestVersionWhateverTheOrderOfMerges() {
    Membership base = Membership.initial(FIVE);
    List<Member> changes = new ArrayList<>(List.of(
        new Member(6, "h:6", MemberStatus.JOINING, 1),
        new Member(6, "h:6", MemberStatus.NORMAL, 2),
        new Member(2, "h:2", MemberStatus.LEAVING, 1),
        new Member(2, "h:2", MemberStatus.LEFT, 2)));
    Random random = new Random(1);
    Membership first = null;
    for (int round = 0; round < 20; round++) {
      Collections.shuffle(changes, random);
      Membership m = base;
      for (Member c : changes) {
        m = m.merge(List.of(c));
      }
      if (first == null) {
        first = m;
      }
      assertThat(m.digest()).isEqualTo(first.digest());
    }
    assertThat(first.member(6).orElseThrow().status()).isEqualTo(MemberStatus.NORMAL);
    assertThat(first.member(2).orElseThrow().status()).isEqualTo(MemberStatus.LEFT);
    assertThat(first.peersOf(1)).containsExactly(3, 4, 5, 6);
    assertThat(first.addresses()).doesNotContainKey(2);
  }

  @Test
  void mergingNothingNewReturnsTheSameMembershipAndEqualMembershipsHaveEqualDigests() {
    Membership a = Membership.initial(FIVE);
    assertThat(a.merge(List.of(new Member(3, "h:3", MemberStatus.NORMAL, 0)))).isSameAs(a);
    assertThat(Membership.initial(FIVE).digest()).isEqualTo(a.digest());
    assertThat(a.with(a.member(3).orElseThrow().to(MemberStatus.LEAVING)).digest()).isNotEqualTo(a.digest());
  }

  @Test
  void aJoiningNodeIsAPendingReplicaOfExactlyTheKeysItWillHold() {
    Membership m = Membership.initial(FIVE).merge(List.of(new Member(6, "h:6", MemberStatus.JOINING, 1)));
    Topology t = Topology.of(m, 16, 3);
    assertThat(t.changing()).isTrue();
    assertThat(t.ring().nodes()).containsExactly(1, 2, 3, 4, 5);
    assertThat(t.future().nodes()).containsExactly(1, 2, 3, 4, 5, 6);
    int pending = 0;
    for (int i = 0; i < 2000; i++) {
      String key = "k" + i;
      boolean willHold = t.future().replicasFor(key).contains(6);
      assertThat(t.pendingReplicas(key)).isEqualTo(willHold ? List.of(6) : List.of());
      pending += willHold ? 1 : 0;
    }
    assertThat(pending).isBetween(300, 1700);
    assertThat(Topology.of(Membership.initial(FIVE), 16, 3).pendingReplicas("k1")).isEmpty();
  }

  @Test
  void movementsCoverExactlyTheTokensWhoseReplicasChange() {
    TokenRing five = TokenRing.create(List.of(1, 2, 3, 4, 5), 16, 3);
    TokenRing six = TokenRing.create(List.of(1, 2, 3, 4, 5, 6), 16, 3);
    List<TokenRing.Movement> moves = five.movementsTo(six);
    for (int i = 0; i < 5000; i++) {
      long token = TokenRing.tokenOf("key-" + i);
      boolean changes = !five.replicasForToken(token).equals(six.replicasForToken(token))
          && !new java.util.TreeSet<>(five.replicasForToken(token)).equals(new java.util.TreeSet<>(six.replicasForToken(token)));
      List<TokenRing.Movement> covering = moves.stream().filter(mv -> mv.span().contains(token)).toList();
      assertThat(covering).hasSize(changes ? 1 : 0);
      if (changes) {
        assertThat(covering.get(0).gained()).containsExactly(6);
        assertThat(covering.get(0).lost()).hasSize(1);
      }
    }
  }
}
