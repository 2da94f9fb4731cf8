package io.dialkv.harness;

import io.dialkv.checker.CheckResult;
import io.dialkv.checker.LinearizabilityChecker;
import io.dialkv.checker.edn.Keyword;
import io.dialkv.checker.history.History;
import io.dialkv.checker.history.Op;
import io.dialkv.checker.history.Operation;
import io.dialkv.checker.model.RegisterModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Turns a recorded history into the per-level rows of the trade-off table. */
public final class Analysis {
  private static final Keyword ERROR = Keyword.of("error");
  /** A time interval during which a fault was in force, in ms since the start and as event positions. */
  public record FaultWindow(double startMillis, double endMillis, int startIndex, int endIndex, String what) {}

  private Analysis() {}

  /** Fault windows from the nemesis's :start and :stop events. */
  public static List<FaultWindow> faultWindows(List<Op> events) {
    List<FaultWindow> windows = new ArrayList<>();
    Op open = null;
    int openIndex = -1;
    for (int i = 0; i < events.size(); i++) {
      Op e = events.get(i);
      if (!e.isNemesis()) {
        continue;
      }
      if (e.f().equals("start")) {
        open = e;
        openIndex = i;
      } else if (e.f().equals("stop") && open != null) {
        windows.add(new FaultWindow(open.timeNanos() / 1e6, e.timeNanos() / 1e6, openIndex, i, String.valueOf(open.value())));
        open = null;
      }
    }
    if (open != null) {
      Op last = events.get(events.size() - 1);
      windows.add(new FaultWindow(open.timeNanos() / 1e6, last.timeNanos() / 1e6, openIndex, events.size(), String.valueOf(open.value())));
    }
    return windows;
  }

  public static LevelResult analyse(
      String level, List<Op> events, List<FaultWindow> faults, Map<Object, Long> finalValues, Duration checkBudget) {
    History history = new History(ofLevel(level, events, false));
    List<Op> ordered = history.events();
    int invoked = 0;
    int ok = 0;
    int failed = 0;
    int info = 0;
    int duringFault = 0;
    int answeredDuringFault = 0;
    List<Double> latencies = new ArrayList<>();
    List<LevelResult.Point> points = new ArrayList<>();
    // Pair invocations and completions by process, in order.
    Map<Object, Op> pending = new java.util.HashMap<>();
    for (Op e : ordered) {
      if (e.type() == Op.Type.INVOKE) {
        pending.put(e.process(), e);
        invoked++;
        continue;
      }
      Op call = pending.remove(e.process());
      if (call == null) {
        continue;
      }
      boolean inFault = faults.stream().anyMatch(w -> call.timeNanos() / 1e6 >= w.startMillis()
          && call.timeNanos() / 1e6 < w.endMillis());
      double latency = (e.timeNanos() - call.timeNanos()) / 1e6;
      String outcome = e.type().name().toLowerCase(java.util.Locale.ROOT);
      points.add(new LevelResult.Point(call.timeNanos() / 1e6, latency, outcome));
      switch (e.type()) {
        case OK -> {
          ok++;
          latencies.add(latency);
        }
        case FAIL -> failed++;
        default -> info++;
      }
      if (inFault) {
        duringFault++;
        if (e.type() == Op.Type.OK || RegisterWorkload.PRECONDITION.equals(e.extra().get(ERROR))) {
          answeredDuringFault++;
        }
      }
    }
    List<Operation> operations = history.operations();
    CheckResult check = new LinearizabilityChecker(checkBudget, Long.MAX_VALUE)
        .check(operations, level.equals("LINEARIZABLE") || level.equals(RegisterWorkload.MIXED) ? RegisterModel.casRegister(0L) : RegisterModel.register(0L));
    Anomalies anomalies = Anomalies.find(operations, finalValues);
    double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(sorted);
    return new LevelResult(level, invoked, ok, failed, info, duringFault, answeredDuringFault, anomalies,
        check.verdict(), check.counterexample() == null ? "" : check.counterexample().describe(),
        percentile(sorted, 0.50), percentile(sorted, 0.99), points);
  }

  /** The profile workload's updates at one level against the final profiles. */
  public static ProfileResult analyseProfiles(String level, List<Op> events, Map<Object, Long> finalValues) {
    History history = new History(ofLevel(level, events, true));
    int ok = 0;
    int failed = 0;
    int info = 0;
    for (Op e : history.events()) {
      switch (e.type()) {
        case OK -> ok++;
        case FAIL -> failed++;
        case INFO -> info++;
        default -> {}
      }
    }
    Anomalies lost = Anomalies.find(history.operations(), finalValues);
    return new ProfileResult(level, ok, failed, info, lost.lostWrites(), lost.examples());
  }

  /** The level's events of the register workload, or of the profile workload. */
  private static List<Op> ofLevel(String level, List<Op> events, boolean profile) {
    Keyword levelKeyword = Keyword.of(level);
    List<Op> mine = new ArrayList<>();
    for (Op e : events) {
      boolean isProfile = ProfileWorkload.PROFILE.equals(e.extra().get(ProfileWorkload.WORKLOAD));
      if (levelKeyword.equals(e.extra().get(Keyword.of("level"))) && isProfile == profile) {
        mine.add(e);
      }
    }
    return mine;
  }

  private static double percentile(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }
}
