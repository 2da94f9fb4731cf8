package io.dialkv.harness.sim;

import io.dialkv.checker.Verdict;
import io.dialkv.harness.Anomalies;
import io.dialkv.harness.LevelResult;
import io.dialkv.harness.ProfileResult;
import java.util.List;

/**
 * What each consistency level promises, as README's table states it, applied to a run's results:
 * an anomaly the level allows is reported as allowed, anything else is a violation.
 *
 * <ul>
 *   <li>{@code LINEARIZABLE}: the history is linearizable, nothing stale, nothing lost, whatever the
 *       fault (clock skew included: Paxos ballots do not decide the order of values).
 *   <li>{@code QUORUM} and {@code ALL}: every read sees every acknowledged write, reads are
 *       monotonic, no acknowledged write is lost; under clock skew last-write-wins may order two
 *       writes against real time, so stale reads and lost writes are then allowed.
 *   <li>{@code ONE}: eventual consistency, last write wins by timestamp. Every anomaly is allowed;
 *       a write acknowledged by one replica can even lose to a write that came after it in real
 *       time but from another coordinator within the same millisecond of their clocks.
 * </ul>
 * A linearizability verdict below {@code LINEARIZABLE} is never promised but at LINEARIZABLE.
 */
final class Promises {
  private Promises() {}

  /**
   * @param clockFaults whether a fault skewed, drifted or jumped a clock in the run
   */
  static void judge(List<LevelResult> levels, boolean clockFaults, List<String> violations, List<String> allowed) {
    for (LevelResult r : levels) {
      Anomalies a = r.anomalies();
      String level = r.level();
      String examples = a.examples().isEmpty() ? "" : " (" + String.join("; ", a.examples()) + ")";
      switch (level) {
        case "LINEARIZABLE" -> {
          if (r.verdict() == Verdict.NOT_LINEARIZABLE) {
            violations.add("LINEARIZABLE: not linearizable: " + r.counterexample());
          } else if (r.verdict() == Verdict.UNKNOWN) {
            violations.add("LINEARIZABLE: the checker ran out of budget (unchecked)");
          }
          int any = a.staleReads() + a.lostWrites() + a.readYourWrites() + a.monotonicReads();
          if (any > 0) {
            violations.add("LINEARIZABLE: " + describe(a) + examples);
          }
        }
        case "QUORUM", "ALL" -> {
          int broken = a.staleReads() + a.lostWrites() + a.readYourWrites() + a.monotonicReads();
          if (broken > 0) {
            (clockFaults ? allowed : violations).add(level + ": " + describe(a)
                + (clockFaults ? " under clock skew (last write wins by timestamp)" : "") + examples);
          }
        }
        default -> {
          int weak = a.staleReads() + a.lostWrites() + a.readYourWrites() + a.monotonicReads();
          if (weak > 0) {
            allowed.add(level + ": " + describe(a) + " (eventual consistency)");
          }
        }
      }
    }
  }

  /**
   * Profile updates: each field is a last-write-wins register, so an acknowledged update that
   * came after the one the final profile kept is lost. {@code ONE} allows it (eventual
   * consistency), {@code QUORUM} and {@code ALL} only under clock faults, {@code LINEARIZABLE}
   * never.
   */
  static void judgeProfiles(List<ProfileResult> profiles, boolean clockFaults, List<String> violations,
      List<String> allowed) {
    for (ProfileResult p : profiles) {
      if (p.lostUpdates() == 0) {
        continue;
      }
      String what = p.level() + " profiles: " + p.lostUpdates() + " lost updates"
          + (p.examples().isEmpty() ? "" : " (" + String.join("; ", p.examples()) + ")");
      boolean allowedHere = p.level().equals("ONE") || (clockFaults && !p.level().equals("LINEARIZABLE"));
      (allowedHere ? allowed : violations).add(what);
    }
  }

  private static String describe(Anomalies a) {
    return a.staleReads() + " stale reads, " + a.lostWrites() + " lost acknowledged writes, " + a.readYourWrites()
        + " read-your-writes and " + a.monotonicReads() + " monotonic-read violations";
  }
}
