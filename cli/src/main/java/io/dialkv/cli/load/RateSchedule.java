package io.dialkv.cli.load;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Offered load over time: phases of a constant rate, such as {@code 2000:30s,8000:30s,2000:30s}
 * (2000 ops/s for 30 s, then 8000, then 2000 again). A bare rate ({@code 2000}) lasts the given
 * default duration. Operation {@code i} is due at a fixed time, whatever became of the operations
 * before it: that is what makes the load open-loop.
 */
public final class RateSchedule {
  /** One phase: {@code rate} operations per second for {@code duration}. */
  public record Phase(double rate, Duration duration) {
    long operations() {
      return (long) Math.floor(rate * duration.toNanos() / 1e9);
    }
  }

  public static final double MAX_RATE = 1_000_000;
  public static final Duration MAX_DURATION = Duration.ofHours(24);
  private static final Pattern PHASE = Pattern.compile("(\\d+(?:\\.\\d+)?)(?::(\\d+(?:ms|s|m|h)))?");

  private final List<Phase> phases;
  private final long[] firstOp; // index of each phase's first operation
  private final long[] startNanos; // offset of each phase from the start

  public RateSchedule(List<Phase> phases) {
    if (phases.isEmpty()) {
      throw new IllegalArgumentException("a rate schedule needs at least one phase");
    }
    this.phases = List.copyOf(phases);
    firstOp = new long[phases.size() + 1];
    startNanos = new long[phases.size() + 1];
    for (int i = 0; i < phases.size(); i++) {
      firstOp[i + 1] = firstOp[i] + phases.get(i).operations();
      startNanos[i + 1] = startNanos[i] + phases.get(i).duration().toNanos();
    }
  }

  /**
   * Parses {@code RATE[:DURATION][,RATE:DURATION...]}; durations take ms, s, m or h.
   *
   * @throws IllegalArgumentException saying what is wrong and what is expected
   */
  public static RateSchedule parse(String text, Duration defaultDuration) {
    List<Phase> phases = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      Matcher m = PHASE.matcher(part.trim().toLowerCase(Locale.ROOT));
      if (!m.matches()) {
        throw new IllegalArgumentException("rate '" + part.trim() + "' is not OPS_PER_S or OPS_PER_S:DURATION "
            + "(for example 2000 or 2000:30s,8000:30s)");
      }
      double rate = Double.parseDouble(m.group(1));
      Duration duration = m.group(2) == null ? defaultDuration : parseDuration(m.group(2));
      if (!(rate > 0 && rate <= MAX_RATE)) {
        throw new IllegalArgumentException("rate " + m.group(1) + " must be above 0 and at most " + (long) MAX_RATE + " ops/s");
      }
      if (duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
        throw new IllegalArgumentException("phase duration " + duration + " must be above 0 and at most 24 h");
      }
      phases.add(new Phase(rate, duration));
    }
    RateSchedule schedule = new RateSchedule(phases);
    if (schedule.totalDuration().compareTo(MAX_DURATION) > 0) {
      throw new IllegalArgumentException("the schedule lasts " + schedule.totalDuration() + "; at most 24 h");
    }
    return schedule;
  }

  /** Parses 500ms, 30s, 2m or 1h: the one reading of a duration the bench's options take. */
  public static Duration parseDuration(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
      }
      long n = Long.parseLong(t.substring(0, t.length() - 1));
      return switch (t.charAt(t.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default -> throw new NumberFormatException();
      };
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("duration '" + text + "' is not a number followed by ms, s, m or h");
    }
  }

  public List<Phase> phases() {
    return phases;
  }

  /** Operations in the whole schedule. */
  public long operations() {
    return firstOp[phases.size()];
  }

  public Duration totalDuration() {
    return Duration.ofNanos(startNanos[phases.size()]);
  }

  /** When operation {@code i} is due, in nanoseconds from the start. */
  public long dueNanos(long i) {
    int p = 0;
    while (p + 1 < phases.size() && i >= firstOp[p + 1]) {
      p++;
    }
    return startNanos[p] + (long) ((i - firstOp[p]) * 1e9 / phases.get(p).rate());
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (Phase p : phases) {
      s.append(s.length() == 0 ? "" : ",").append(p.rate() == Math.rint(p.rate()) ? String.valueOf((long) p.rate()) : p.rate())
          .append(':').append(p.duration().toMillis() % 1000 == 0 ? p.duration().toSeconds() + "s" : p.duration().toMillis() + "ms");
    }
    return s.toString();
  }
}
