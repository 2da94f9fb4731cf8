package io.dialkv.harness;

import io.dialkv.checker.history.Op;
import io.dialkv.client.DialClient;
import io.dialkv.client.auth.DialCredentials;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Jepsen's register workload: clients, each bound to one node (so that a partition puts clients on
 * both sides), read and write a handful of keys at one consistency level. Every write writes a
 * value no other write uses, so a read tells exactly which write it saw. At LINEARIZABLE it is the
 * CAS-register workload: reads, writes, and compare-and-sets from the value the client last saw to
 * a fresh one (a CAS that does not apply is a {@code :fail}).
 */
public final class RegisterWorkload {
  /** A client's operation outcome, mapped from the error kind. */
  static Op.Type outcome(DialException e, boolean write) {
    return switch (e.kind()) {
      // Certainly not applied: nothing was sent, or the request was refused before any replica.
      case UNAVAILABLE, NO_ENDPOINT, INVALID_ARGUMENT, CONTENTION, DENIED, OVERLOADED -> Op.Type.FAIL;
      // A read that did not complete changed nothing; a write may have been applied.
      default -> write ? Op.Type.INFO : Op.Type.FAIL;
    };
  }

  /**
   * The pseudo-level that shows what mixing levels on one key does: reads and compare-and-sets at
   * LINEARIZABLE, plain writes at ONE, on the same keys.
   */
  public static final String MIXED = "MIXED";
  /** The :error of a compare-and-set answered "not applied": the key held another value. */
  public static final String PRECONDITION = "precondition";

  /** The consistency a level's operations use; for MIXED, writes go at ONE. */
  static Consistency consistencyOf(String level, boolean plainWrite) {
    if (level.equals(MIXED)) {
      return plainWrite ? Consistency.ONE : Consistency.LINEARIZABLE;
    }
    return Consistency.valueOf(level);
  }

  private final String level;
  private final List<String> keys;
  private final Recorder recorder;
  private final Duration thinkTime;

  public RegisterWorkload(String level, int keyCount, Recorder recorder, Duration thinkTime) {
    this.level = level;
    List<String> k = new ArrayList<>();
    for (int i = 0; i < keyCount; i++) {
      k.add(level.toLowerCase(java.util.Locale.ROOT) + "-r" + i);
    }
    this.keys = List.copyOf(k);
    this.recorder = recorder;
    this.thinkTime = thinkTime;
  }

  public List<String> keys() {
    return keys;
  }

  public String level() {
    return level;
  }

  /**
   * Runs one client until the deadline: bound to node {@code node} at {@code endpoint} (recorded
   * in each op as {@code :node}), first process id
   * {@code process}; after an indeterminate operation it continues as process {@code process +
   * stride}, as Jepsen does, since the old process may still have an operation in flight.
   */
  public void runClient(int node, String endpoint, DialCredentials credentials, long process, long stride,
      long deadlineNanos, Random random) throws InterruptedException {
    Consistency consistency = consistencyOf(level, false);
    Consistency writeConsistency = consistencyOf(level, true);
    boolean casWorkload = consistency == Consistency.LINEARIZABLE;
    java.util.Map<String, Long> lastSeen = new java.util.HashMap<>();
    long nextValue = process * 1_000_000L;
    try (DialClient client =
        DialClient.builder()
            .endpoints(List.of(endpoint))
            .credentials(credentials)
            .discover(false)
            .timeout(Duration.ofSeconds(3))
            .build()) {
      while (System.nanoTime() < deadlineNanos) {
        String key = keys.get(random.nextInt(keys.size()));
        double dice = random.nextDouble();
        boolean write = casWorkload ? dice < 0.3 : dice < 0.5;
        if (casWorkload && dice >= 0.3 && dice < 0.6) {
          // The CAS-register workload: replace the value this client last saw with a fresh one.
          long expected = lastSeen.getOrDefault(key, 0L);
          long value = ++nextValue;
          List<Long> casValue = List.of(expected, value);
          recorder.record(process, Op.Type.INVOKE, "cas", key, casValue, level, node, null, null);
          try {
            boolean applied = client.compareAndSet(key,
                expected == 0 ? null : Long.toString(expected).getBytes(StandardCharsets.UTF_8),
                Long.toString(value).getBytes(StandardCharsets.UTF_8)).getApplied();
            recorder.record(process, applied ? Op.Type.OK : Op.Type.FAIL, "cas", key, casValue, level, node,
                applied ? null : PRECONDITION, null);
            if (applied) {
              lastSeen.put(key, value);
            }
          } catch (DialException e) {
            Op.Type type = outcome(e, true);
            recorder.record(process, type, "cas", key, casValue, level, node, e.kind().name(), null);
            if (type == Op.Type.INFO) {
              process += stride;
            }
          }
        } else if (write) {
          long value = ++nextValue;
          recorder.record(process, Op.Type.INVOKE, "write", key, value, level, node, null, null);
          try {
            client.put(key, Long.toString(value).getBytes(StandardCharsets.UTF_8), writeConsistency);
            recorder.record(process, Op.Type.OK, "write", key, value, level, node, null, null);
            lastSeen.put(key, value);
          } catch (DialException e) {
            Op.Type type = outcome(e, true);
            recorder.record(process, type, "write", key, value, level, node, e.kind().name(), null);
            if (type == Op.Type.INFO) {
              process += stride;
            }
          }
        } else {
          recorder.record(process, Op.Type.INVOKE, "read", key, null, level, node, null, null);
          try {
            GetResponse r = client.get(key, consistency, false);
            // Absent reads as the initial value 0; no write ever writes 0.
            long value = r.getFound() ? Long.parseLong(r.getValue().toStringUtf8()) : 0L;
            recorder.record(process, Op.Type.OK, "read", key, value, level, node, null, null);
            lastSeen.put(key, value);
          } catch (DialException e) {
            recorder.record(process, Op.Type.FAIL, "read", key, null, level, node, e.kind().name(), null);
          }
        }
        TimeUnit.NANOSECONDS.sleep((long) (thinkTime.toNanos() * (0.5 + random.nextDouble())));
      }
    }
  }
}
