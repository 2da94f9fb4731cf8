package io.dialkv.core.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Mutation;
import io.dialkv.core.data.Row;
import io.dialkv.core.handoff.Hint;
import io.dialkv.core.membership.Member;
import io.dialkv.core.membership.MemberStatus;
import io.dialkv.core.time.Timestamp;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What every {@link Storage} must do; each implementation's test extends this. */
public abstract class StorageContract {

  /** A fresh, empty storage. */
  protected abstract Storage storage();

  /** The same storage closed and opened again, as after a restart. */
  protected abstract Storage reopen(Storage storage);

  private static Row sampleRow() {
    Timestamp t = new Timestamp(1_000, 2, 3);
    return Row.of(
        Map.of(
            "email", Cell.live("ada@example.org".getBytes(StandardCharsets.UTF_8), t),
            "bio", Cell.tombstone(new Timestamp(1_001, 0, 1)),
            "empty", Cell.live(new byte[0], t)),
        new Timestamp(999, 0, 2));
  }

  @Test
  void absentKeyIsEmpty() {
    assertThat(storage().get("nothing")).isEmpty();
  }

  @Test
  void storesRowsWithTimestampsTombstonesAndDeletions() {
    Storage storage = storage();
    Row row = sampleRow();
    storage.put("profile/ada", row);
    assertThat(storage.get("profile/ada")).contains(row);
  }

  @Test
  void putReplacesTheRow() {
    Storage storage = storage();
    storage.put("k", Mutation.put(new byte[] {1}).at(new Timestamp(1, 0, 1)));
    Row second = Mutation.update(Map.of("value", new byte[] {2}), List.of()).at(new Timestamp(2, 0, 1));
    storage.put("k", second);
    assertThat(storage.get("k")).contains(second);
  }

  @Test
  void rowsSurviveAReopen() {
    Storage storage = storage();
    for (int i = 0; i < 100; i++) {
      storage.put("key-" + i, sampleRow());
    }
    Storage reopened = reopen(storage);
    for (int i = 0; i < 100; i++) {
      assertThat(reopened.get("key-" + i)).contains(sampleRow());
    }
    assertThat(reopened.approximateRowCount()).isPositive();
  }

  @Test
  void paxosStateIsKeptApartFromRowsAndSurvivesAReopen() {
    Storage storage = storage();
    Timestamp ballot = new Timestamp(5, 1, 2);
    io.dialkv.core.paxos.Proposal p = new io.dialkv.core.paxos.Proposal(ballot, sampleRow());
    io.dialkv.core.paxos.PaxosState state = new io.dialkv.core.paxos.PaxosState(ballot, p, null);
    storage.putPaxos("k", state);
    assertThat(storage.get("k")).isEmpty();
    Storage reopened = reopen(storage);
    assertThat(reopened.getPaxos("k")).contains(state);
    assertThat(reopened.getPaxos("other")).isEmpty();
  }

  @Test
  void keysAreExactUtf8() {
    Storage storage = storage();
    storage.put("clé", sampleRow());
    assertThat(storage.get("cle")).isEmpty();
    assertThat(storage.get("clé")).isPresent();
  }

  @Test
  void keepsHintsPerTargetOldestFirstAcrossARestart() {
    Storage storage = storage();
    Row row = sampleRow();
    storage.putHint(new Hint(3, 2_000, 1, "b", row));
    storage.putHint(new Hint(3, 1_000, 7, "a", row));
    storage.putHint(new Hint(3, 2_000, 0, "c", row));
    storage.putHint(new Hint(5, 1_500, 0, "d", row));

    Storage reopened = reopen(storage);
    assertThat(reopened.hints(3, 10)).extracting(Hint::key).containsExactly("a", "c", "b");
    assertThat(reopened.hints(3, 2)).extracting(Hint::key).containsExactly("a", "c");
    assertThat(reopened.hints(3, 1).get(0)).isEqualTo(new Hint(3, 1_000, 7, "a", row));
    assertThat(reopened.hints(4, 10)).isEmpty();
    assertThat(reopened.countHints()).containsExactlyInAnyOrderEntriesOf(Map.of(3, 3L, 5, 1L));

    reopened.deleteHint(new Hint(3, 1_000, 7, "a", row));
    assertThat(reopened.hints(3, 10)).extracting(Hint::key).containsExactly("c", "b");
    assertThat(reopened.countHints()).containsEntry(3, 2L);
    // Hints are not rows.
    assertThat(reopened.get("a")).isEmpty();
  }

  @Test
  void scanVisitsEveryRowInKeyOrderAndNoHints() {
    Storage storage = storage();
    storage.put("b", sampleRow());
    storage.put("a", sampleRow());
    storage.putHint(new Hint(2, 1, 0, "h", sampleRow()));
    List<String> seen = new java.util.ArrayList<>();
    reopen(storage).scan((key, row) -> {
      assertThat(row).isEqualTo(sampleRow());
      seen.add(key);
    });
    assertThat(seen).containsExactly("a", "b");
  }

  @Test
  void everyReadSeesTheLastWriteWhateverWasReadBefore() {
    // Storage that remembers what it read must forget it, or replace it, on every write.
    Storage storage = storage();
    assertThat(storage.get("k")).isEmpty();
    assertThat(storage.getPaxos("k")).isEmpty();
    Row first = Mutation.put(new byte[] {1}).at(new Timestamp(1, 0, 1));
    storage.put("k", first);
    assertThat(storage.get("k")).contains(first);
    Row second = Mutation.put(new byte[] {2}).at(new Timestamp(2, 0, 1));
    storage.put("k", second);
    assertThat(storage.get("k")).contains(second);
    storage.delete("k");
    assertThat(storage.get("k")).isEmpty();

    Timestamp ballot = new Timestamp(5, 1, 2);
    io.dialkv.core.paxos.PaxosState promised = new io.dialkv.core.paxos.PaxosState(ballot, null, null);
    storage.putPaxos("k", promised);
    assertThat(storage.getPaxos("k")).contains(promised);
    io.dialkv.core.paxos.Proposal p = new io.dialkv.core.paxos.Proposal(ballot, second);
    io.dialkv.core.paxos.PaxosState accepted = new io.dialkv.core.paxos.PaxosState(ballot, p, null);
    storage.putPaxos("k", accepted);
    assertThat(storage.getPaxos("k")).contains(accepted);
    assertThat(storage.get("k")).isEmpty();

    Storage reopened = reopen(storage);
    assertThat(reopened.get("k")).isEmpty();
    assertThat(reopened.getPaxos("k")).contains(accepted);
  }

  @Test
  void deletesRowsAndKeepsTheRepairHistoryAcrossARestart() {
    Storage storage = storage();
    storage.put("a", sampleRow());
    storage.delete("a");
    storage.delete("never-written");
    assertThat(storage.repairedRanges()).isEmpty();
    storage.putRepairedRanges(Map.of(3, 1_000L, 17, 2_000L));

    Storage reopened = reopen(storage);
    assertThat(reopened.get("a")).isEmpty();
    assertThat(reopened.repairedRanges()).containsExactlyInAnyOrderEntriesOf(Map.of(3, 1_000L, 17, 2_000L));
  }

  @Test
  void keepsTheMembershipAcrossARestart() {
    Storage storage = storage();
    assertThat(storage.savedMembers()).isEmpty();
    List<Member> members = List.of(
        new Member(1, "127.0.0.1:7101", MemberStatus.NORMAL, 0),
        new Member(6, "127.0.0.1:7106", MemberStatus.JOINING, 1),
        new Member(3, "10.0.0.3:7101", MemberStatus.LEFT, 4));
    storage.saveMembers(members);

    assertThat(reopen(storage).savedMembers()).containsExactlyInAnyOrderElementsOf(members);
  }

  @Test
  void aScanResumedAfterTheLastKeySeenVisitsEveryRowOnceWhateverTheKeys() {
    Storage storage = storage();
    // ASCII, accented, a character above U+FFFF and one just below it: UTF-16 and UTF-8 order them
    // differently, and paging must follow the storage's own order.
    List<String> keys = List.of("a", "b", "k\u00e9", "z", "\uD83D\uDE00", "\uFFFD", "m1", "m2", "m3");
    for (String key : keys) {
      storage.put(key, sampleRow());
    }
    List<String> seen = new java.util.ArrayList<>();
    String after = "";
    while (true) {
      List<String> page = new java.util.ArrayList<>();
      storage.scanAfter(after, (key, row) -> {
        page.add(key);
        return page.size() < 2;
      });
      if (page.isEmpty()) {
        break;
      }
      seen.addAll(page);
      after = page.get(page.size() - 1);
    }
    assertThat(seen).containsExactlyInAnyOrderElementsOf(keys);
  }
}
