package io.dialkv.cli.load;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import io.dialkv.client.DialClient;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/** How an open-loop run is shown: a table per second, or JSON, and the read-back of its writes. */
public final class LoadReport {
  private LoadReport() {}

  /**
   * What reading back every acknowledged write found.
   *
   * @param acknowledged writes the cluster acknowledged
   * @param lost of those, how many were absent or held another value
   * @param unreadable how many could not be read back (an error, not a verdict)
   */
  public record Verification(String level, long acknowledged, long lost, long unreadable, List<String> examples) {}

  /** Reads back the acknowledged writes, 64 at a time. */
  public static Verification verify(DialClient client, BitSet acked, IntFunction<String> key,
      IntFunction<byte[]> value, Consistency level) throws InterruptedException {
    Semaphore window = new Semaphore(64);
    AtomicLong lost = new AtomicLong();
    AtomicLong unreadable = new AtomicLong();
    List<String> examples = new ArrayList<>();
    List<CompletableFuture<?>> reads = new ArrayList<>();
    BitSet snapshot;
    synchronized (acked) {
      snapshot = (BitSet) acked.clone();
    }
    for (int i = snapshot.nextSetBit(0); i >= 0; i = snapshot.nextSetBit(i + 1)) {
      int n = i;
      window.acquire();
      reads.add(client.getAsync(key.apply(n), level, false).whenComplete((GetResponse r, Throwable e) -> {
        window.release();
        if (e != null) {
          unreadable.incrementAndGet();
        } else if (!r.getFound() || !Arrays.equals(r.getValue().toByteArray(), value.apply(n))) {
          lost.incrementAndGet();
          synchronized (examples) {
            if (examples.size() < 5) {
              examples.add(key.apply(n) + (r.getFound() ? " holds another value" : " is missing"));
            }
          }
        }
      }));
    }
    for (CompletableFuture<?> f : reads) {
      f.handle((r, e) -> null).join();
    }
    return new Verification(level.name(), snapshot.cardinality(), lost.get(), unreadable.get(), examples);
  }

  private static double ms(long nanos) {
    return Math.round(nanos / 1e4) / 100.0;
  }

  /** The run as one JSON object: per-second series and totals. */
  public static String json(String level, double readRatio, OpenLoop.Result result, Map<String, Long> requestsPerNode,
      Verification verification) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("mode", "open-loop");
    o.put("consistency", level);
    o.put("read_ratio", readRatio);
    o.put("schedule", result.schedule().toString());
    o.put("seconds", result.schedule().totalDuration().toMillis() / 1000.0);
    o.put("total", second(-1, result.total()));
    List<Object> series = new ArrayList<>();
    for (int i = 0; i < result.seconds().size(); i++) {
      series.add(second(i, result.seconds().get(i)));
    }
    o.put("per_second", series);
    o.put("max_outstanding", result.maxOutstanding());
    o.put("requests_per_node", requestsPerNode);
    if (verification != null) {
      o.put("verification", verification);
    }
    Gson gson = new GsonBuilder().disableHtmlEscaping().create();
    return gson.toJson(o);
  }

  private static Map<String, Object> second(int t, OpenLoop.Second s) {
    Map<String, Object> o = new LinkedHashMap<>();
    if (t >= 0) {
      o.put("t", t);
    }
    o.put("due", s.due());
    o.put("ok", s.ok());
    o.put("failed", s.failed());
    o.put("errors", s.errors());
    o.put("p50_ms", ms(s.okNanos(50)));
    o.put("p99_ms", ms(s.okNanos(99)));
    o.put("max_ms", ms(s.okNanos(100)));
    o.put("failed_p99_ms", ms(s.errorNanos(99)));
    o.put("refused_p99_ms", ms(s.refusedNanos(99)));
    o.put("send_lag_p99_ms", ms(s.sendLagNanos(99)));
    if (t < 0) {
      o.put("examples", s.examples());
    }
    return o;
  }

  /** The run as a table, one line per second, then the totals. */
  public static void table(String level, double readRatio, OpenLoop.Result result, Map<String, Long> requestsPerNode,
      Verification verification, PrintWriter out) {
    out.printf("%s  open loop %s  read ratio %.2f%n", level, result.schedule(), readRatio);
    out.printf("%5s %8s %8s %8s %9s %9s %9s  %s%n", "s", "due", "ok", "failed", "p50 ms", "p99 ms", "max ms", "errors");
    for (int i = 0; i < result.seconds().size(); i++) {
      OpenLoop.Second s = result.seconds().get(i);
      out.printf("%5d %8d %8d %8d %9.2f %9.2f %9.2f  %s%n", i, s.due(), s.ok(), s.failed(), ms(s.okNanos(50)),
          ms(s.okNanos(99)), ms(s.okNanos(100)), s.errors().isEmpty() ? "" : s.errors());
    }
    OpenLoop.Second t = result.total();
    double seconds = result.schedule().totalDuration().toNanos() / 1e9;
    out.printf("offered     %.0f ops/s%n", t.due() / seconds);
    out.printf("goodput     %.0f ops/s (%.1f%% of offered)%n", t.ok() / seconds, t.due() == 0 ? 0.0 : 100.0 * t.ok() / t.due());
    out.printf("latency     p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms (from when each request was due)%n",
        ms(t.okNanos(50)), ms(t.okNanos(99)), ms(t.okNanos(99.9)), ms(t.okNanos(100)));
    out.printf("sent late   p99 %.2f ms  max %.2f ms (this load generator's own delay, in every latency above)%n",
        ms(t.sendLagNanos(99)), ms(t.sendLagNanos(100)));
    out.printf("errors      %d%s%s%n", t.failed(), t.errors().isEmpty() ? "" : " " + t.errors(),
        t.failed() == 0 ? "" : String.format(", answered in p99 %.2f ms", ms(t.errorNanos(99))));
    if (t.errors().containsKey(OpenLoop.REFUSED)) {
      out.printf("refused     %d, answered in p99 %.2f ms%n", t.errors().get(OpenLoop.REFUSED), ms(t.refusedNanos(99)));
    }
    t.examples().forEach((kind, message) -> out.printf("  e.g. %-14s %s%n", kind, message));
    long total = requestsPerNode.values().stream().mapToLong(Long::longValue).sum();
    StringBuilder line = new StringBuilder();
    requestsPerNode.forEach((node, n) -> line.append(String.format("  %s %.1f%%", node, total == 0 ? 0.0 : 100.0 * n / total)));
    out.printf("requests    per node:%s%n", line);
    if (verification != null) {
      out.printf("verified    %d acknowledged writes read back at %s: %d lost, %d unreadable%s%n",
          verification.acknowledged(), verification.level(), verification.lost(), verification.unreadable(),
          verification.examples().isEmpty() ? "" : " " + verification.examples());
    }
  }
}
