package io.dialkv.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.time.Timestamp;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RowTest {
  private static Timestamp ts(long millis, int node) {
    return new Timestamp(millis, 0, node);
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String value(Row row, String cell) {
    Cell c = row.liveCells().get(cell);
    return c == null ? null : new String(c.valueUnsafe(), StandardCharsets.UTF_8);
  }

  @Test
  void purgingDropsOnlyDeletionMarkersOlderThanTheCutoff() {
    Row row = Row.of(
        Map.of(
            "old-tombstone", Cell.tombstone(ts(10, 1)),
            "new-tombstone", Cell.tombstone(ts(30, 1)),
            "old-value", Cell.live(b("kept"), ts(12, 1))),
        ts(5, 1));

    Row purged = row.purgeTombstonesBefore(ts(20, 0));

    assertThat(purged.deletedAt()).isNull();
    assertThat(purged.cells()).containsOnlyKeys("new-tombstone", "old-value");
    assertThat(value(purged, "old-value")).isEqualTo("kept");
    assertThat(Row.of(Map.of("t", Cell.tombstone(ts(1, 1)))).purgeTombstonesBefore(ts(2, 0)).isEmpty()).isTrue();
    assertThat(row.purgeTombstonesBefore(ts(1, 0))).isEqualTo(row);
  }

  @Test
  void laterWriteOfTheSameFieldWins() {
    Row older = Mutation.update(Map.of("email", b("old@x")), List.of()).at(ts(1, 1));
    Row newer = Mutation.update(Map.of("email", b("new@x")), List.of()).at(ts(2, 2));

    assertThat(value(older.merge(newer), "email")).isEqualTo("new@x");
    assertThat(value(newer.merge(older), "email")).isEqualTo("new@x");
  }

  @Test
  void concurrentUpdatesOfDifferentFieldsBothSurvive() {
    Row base = Mutation.update(Map.of("display_name", b("A"), "email", b("a@x")), List.of()).at(ts(1, 1));
    Row sideOne = base.merge(Mutation.update(Map.of("display_name", b("Ada")), List.of()).at(ts(5, 1)));
    Row sideTwo = base.merge(Mutation.update(Map.of("email", b("ada@x")), List.of()).at(ts(5, 2)));

    Row healed = sideOne.merge(sideTwo);

    assertThat(value(healed, "display_name")).isEqualTo("Ada");
    assertThat(value(healed, "email")).isEqualTo("ada@x");
  }

  @Test
  void rowDeletionRemovesOlderCellsButNotNewerOnes() {
    Row before = Mutation.put(b("v1")).at(ts(1, 1));
    Row deletion = Mutation.deleteRow().at(ts(2, 1));
    Row after = Mutation.update(Map.of("bio", b("back")), List.of()).at(ts(3, 2));

    Row merged = before.merge(deletion).merge(after);

    assertThat(merged.liveCells()).containsOnlyKeys("bio");
    assertThat(merged.deletedAt()).isEqualTo(ts(2, 1));
  }

  @Test
  void replacingARowKeepsTheCellsWrittenWithIt() {
    Row old = Mutation.update(Map.of("email", b("a@x"), "bio", b("hi")), List.of()).at(ts(1, 1));
    Row replaced = old.merge(Mutation.replaceRow(Map.of("email", b("b@x"))).at(ts(2, 1)));

    assertThat(replaced.liveCells()).containsOnlyKeys("email");
    assertThat(value(replaced, "email")).isEqualTo("b@x");
  }

  @Test
  void unsetWritesATombstoneThatBeatsOlderValues() {
    Row row = Mutation.update(Map.of("bio", b("hi")), List.of()).at(ts(1, 1));
    Row unset = Mutation.update(Map.of(), List.of("bio")).at(ts(2, 1));

    Row merged = row.merge(unset);

    assertThat(merged.liveCells()).isEmpty();
    assertThat(merged.cells().get("bio").isTombstone()).isTrue();
    assertThat(unset.merge(row)).isEqualTo(merged);
  }

  @Test
  void equalTimestampsResolveTheSameWayEverywhere() {
    Cell value = Cell.live(b("x"), ts(1, 1));
    Cell tombstone = Cell.tombstone(ts(1, 1));
    Cell bigger = Cell.live(b("y"), ts(1, 1));

    assertThat(Cell.newer(value, tombstone)).isSameAs(tombstone);
    assertThat(Cell.newer(tombstone, value)).isSameAs(tombstone);
    assertThat(Cell.newer(value, bigger)).isSameAs(bigger);
    assertThat(Cell.newer(bigger, value)).isSameAs(bigger);
  }

  @Test
  void mergeIsCommutativeAssociativeAndIdempotent() {
    Random random = new Random(7);
    for (int round = 0; round < 200; round++) {
      List<Row> writes = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        writes.add(randomMutation(random).at(ts(random.nextInt(5), 1 + random.nextInt(3))));
      }
      Row inOrder = Row.EMPTY;
      for (Row w : writes) {
        inOrder = inOrder.merge(w);
      }
      Collections.shuffle(writes, random);
      Row shuffled = Row.EMPTY;
      for (Row w : writes) {
        shuffled = shuffled.merge(w).merge(w);
      }
      assertThat(shuffled).isEqualTo(inOrder);
    }
  }

  private static Mutation randomMutation(Random random) {
    String field = List.of("a", "b", "c").get(random.nextInt(3));
    return switch (random.nextInt(4)) {
      case 0 -> Mutation.deleteRow();
      case 1 -> Mutation.update(Map.of(), List.of(field));
      case 2 -> Mutation.replaceRow(Map.of(field, b("r" + random.nextInt(3))));
      default -> Mutation.update(Map.of(field, b("v" + random.nextInt(3))), List.of());
    };
  }

  @Test
  void missingFromIsWhatBringsAnOlderReplicaUpToDate() {
    Row stale = Mutation.update(Map.of("a", b("1"), "b", b("1")), List.of()).at(ts(1, 1));
    Row fresh = stale.merge(Mutation.update(Map.of("b", b("2")), List.of()).at(ts(2, 1)));

    Row repair = fresh.missingFrom(stale);

    assertThat(repair.cells()).containsOnlyKeys("b");
    assertThat(stale.merge(repair)).isEqualTo(fresh);
    assertThat(fresh.missingFrom(fresh).isEmpty()).isTrue();
  }
}
