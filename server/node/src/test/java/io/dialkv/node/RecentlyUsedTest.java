package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentlyUsedTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] value(int length, int fill) {
    byte[] v = new byte[length];
    Arrays.fill(v, (byte) fill);
    return v;
  }

  @Test
  void remembersValuesAndKeysKnownToHoldNothing() {
    RecentlyUsed recent = new RecentlyUsed(1 << 20);
    assertThat(recent.get(utf8("a"))).isNull();

    recent.put(utf8("a"), value(200, 1));
    recent.put(utf8("absent"), null);

    assertThat(recent.get(utf8("a"))).hasValueSatisfying(v -> assertThat(v).isEqualTo(value(200, 1)));
    assertThat(recent.get(utf8("absent"))).isEmpty();
    assertThat(recent.get(utf8("b"))).isNull();
  }

  @Test
  void aNewValueReplacesTheOldAndForgettingMakesTheKeyUnknown() {
    RecentlyUsed recent = new RecentlyUsed(1 << 20);
    recent.put(utf8("a"), value(10, 1));
    recent.put(utf8("a"), value(30, 2));
    assertThat(recent.get(utf8("a"))).hasValueSatisfying(v -> assertThat(v).isEqualTo(value(30, 2)));
    recent.put(utf8("a"), null);
    assertThat(recent.get(utf8("a"))).isEmpty();

    recent.forget(utf8("a"));
    assertThat(recent.get(utf8("a"))).isNull();
  }

  @Test
  void aValueTooLargeToKeepAlsoForgetsTheKeysOldValue() {
    RecentlyUsed recent = new RecentlyUsed(1 << 20);
    recent.put(utf8("a"), value(10, 1));
    recent.put(utf8("a"), value(1 << 19, 2));
    assertThat(recent.get(utf8("a"))).isNull(); // never the old value
  }

  @Test
  void takesNoMoreMemoryThanItsBudgetAndTheOldestLeaveFirst() {
    long budget = 256 << 10;
    RecentlyUsed recent = new RecentlyUsed(budget);
    assertThat(recent.memoryBytes()).isLessThanOrEqualTo(budget).isGreaterThan(budget / 2);
    int keys = 10_000; // about 5 MB of entries through a quarter of a megabyte
    for (int i = 0; i < keys; i++) {
      recent.put(utf8("user:" + i), value(500, i));
    }
    assertThat(recent.memoryBytes()).isLessThanOrEqualTo(budget);
    assertThat(recent.get(utf8("user:0"))).isNull();
    assertThat(recent.get(utf8("user:" + (keys / 2)))).isNull();
    int kept = 0;
    for (int i = keys - 100; i < keys; i++) {
      Optional<byte[]> v = recent.get(utf8("user:" + i));
      if (v != null) {
        kept++;
        assertThat(v.get()).isEqualTo(value(500, i));
      }
    }
    assertThat(kept).isGreaterThan(90); // a full bucket may push one out early, rarely
  }

  @Test
  void aZeroBudgetRemembersNothing() {
    RecentlyUsed recent = new RecentlyUsed(0);
    recent.put(utf8("a"), value(10, 1));
    assertThat(recent.get(utf8("a"))).isNull();
    assertThat(recent.memoryBytes()).isZero();
  }

  @Test
  void neverAnswersAValueTheKeyDoesNotHoldUnderRandomUse() {
    // Few slots and a small ring, so that buckets overflow and the ring wraps many times over.
    RecentlyUsed recent = new RecentlyUsed(64 << 10);
    Map<String, byte[]> truth = new HashMap<>();
    Random random = new Random(20261203);
    int hits = 0;
    for (int op = 0; op < 200_000; op++) {
      String key = "k" + random.nextInt(3_000);
      int choice = random.nextInt(10);
      if (choice < 4) {
        byte[] v = random.nextInt(8) == 0 ? null : value(random.nextInt(700), op);
        recent.put(utf8(key), v);
        truth.put(key, v);
      } else if (choice == 4) {
        recent.forget(utf8(key));
      } else {
        Optional<byte[]> got = recent.get(utf8(key));
        if (got != null) {
          hits++;
          byte[] expected = truth.get(key);
          assertThat(truth).containsKey(key);
          if (expected == null) {
            assertThat(got).as("op %d, %s", op, key).isEmpty();
          } else {
            assertThat(got).as("op %d, %s", op, key).hasValueSatisfying(v -> assertThat(v).isEqualTo(expected));
          }
        }
      }
    }
    assertThat(hits).isGreaterThan(1_000);
  }
}
