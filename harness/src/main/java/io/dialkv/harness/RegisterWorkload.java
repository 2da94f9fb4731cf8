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
  static Op.Type outcome(DialException.Kind kind, boolean write) {
    return switch (kind) {
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
   * One client's choices and its record of them: which operation comes next, what it means for the
   * history when it completes or fails, and what the client remembers (the value it last saw, for
   * its next compare-and-set). Both kinds of cluster drive this same body: node processes from a
   * thread per client ({@link #runClient}), a simulation from its event queue.
   */
  public final class Client {
    private final ClientProcess me;
    private final java.util.Map<String, Long> lastSeen = new java.util.HashMap<>();

    /**
     * @param node the node the client talks to (recorded in each op as {@code :node})
     * @param process its first process id; after an indeterminate operation it continues as process
     *     {@code process + stride}, as Jepsen does, since the old process may still have an
     *     operation in flight
     */
    public Client(int node, long process, long stride, Random random) {
      this.me = new ClientProcess(node, process, stride, random, thinkTime);
    }

    /** Chooses the next operation and records its invocation. */
    public Call next() {
      boolean casWorkload = consistencyOf(level, false) == Consistency.LINEARIZABLE;
      String key = keys.get(me.random().nextInt(keys.size()));
      double dice = me.random().nextDouble();
      Call call;
      if (casWorkload && dice >= 0.3 && dice < 0.6) {
        // The CAS-register workload: replace the value this client last saw with a fresh one.
        call = new Call(Call.Kind.CAS, key, lastSeen.getOrDefault(key, 0L), me.nextValue());
      } else if (casWorkload ? dice < 0.3 : dice < 0.5) {
        call = new Call(Call.Kind.WRITE, key, 0L, me.nextValue());
      } else {
        call = new Call(Call.Kind.READ, key, 0L, 0L);
      }
      recorder.record(me.id(), Op.Type.INVOKE, call.f(), key, call.historyValue(), level, me.node(), null, null);
      return call;
    }

    /**
     * Records an answer: for a read the value read (0 for absent), for a compare-and-set whether it
     * applied; ignored for a write.
     */
    public void completed(Call call, long readValue, boolean applied) {
      switch (call.kind()) {
        case READ -> {
          recorder.record(me.id(), Op.Type.OK, "read", call.key(), readValue, level, me.node(), null, null);
          lastSeen.put(call.key(), readValue);
        }
        case WRITE -> {
          recorder.record(me.id(), Op.Type.OK, "write", call.key(), call.value(), level, me.node(), null, null);
          lastSeen.put(call.key(), call.value());
        }
        case CAS -> {
          recorder.record(me.id(), applied ? Op.Type.OK : Op.Type.FAIL, "cas", call.key(), call.historyValue(),
              level, me.node(), applied ? null : PRECONDITION, null);
          if (applied) {
            lastSeen.put(call.key(), call.value());
          }
        }
      }
    }

    /** Records a failure of the given kind: certain or indeterminate by {@link #outcome}. */
    public void failed(Call call, DialException.Kind kind) {
      Op.Type type = call.kind() == Call.Kind.READ ? Op.Type.FAIL : outcome(kind, true);
      recorder.record(me.id(), type, call.f(), call.key(), call.historyValue(), level, me.node(), kind.name(), null);
      me.ended(type);
    }

    /** The pause before the next operation: the mean think time, give or take half. */
    public long thinkNanos() {
      return me.thinkNanos();
    }
  }

  /**
   * One operation a client chose.
   *
   * @param expected for a compare-and-set, the value it replaces (0: absent)
   * @param value the value a write or compare-and-set writes (unique in the run)
   */
  public record Call(Kind kind, String key, long expected, long value) {
    /** What the operation is. */
    public enum Kind { READ, WRITE, CAS }

    String f() {
      return kind.name().toLowerCase(java.util.Locale.ROOT);
    }

    Object historyValue() {
      return switch (kind) {
        case READ -> null;
        case WRITE -> value;
        case CAS -> List.of(expected, value);
      };
    }

    /** The bytes a write or compare-and-set stores. */
    public byte[] valueBytes() {
      return Long.toString(value).getBytes(StandardCharsets.UTF_8);
    }

    /** The bytes a compare-and-set expects, or null for "absent". */
    public byte[] expectedBytes() {
      return expected == 0 ? null : Long.toString(expected).getBytes(StandardCharsets.UTF_8);
    }
  }

  /** Parses a value read (absent reads as the initial value 0; no write ever writes 0). */
  public static long valueOf(boolean found, byte[] value) {
    return found ? Long.parseLong(new String(value, StandardCharsets.UTF_8)) : 0L;
  }

  /**
   * Runs one client against a node process until the deadline: bound to node {@code node} at
   * {@code endpoint}; see {@link Client} for the process ids.
   */
  public void runClient(int node, String endpoint, DialCredentials credentials, long process, long stride,
      long deadlineNanos, Random random) throws InterruptedException {
    Client body = new Client(node, process, stride, random);
    Consistency consistency = consistencyOf(level, false);
    Consistency writeConsistency = consistencyOf(level, true);
    try (DialClient client =
        DialClient.builder()
            .endpoints(List.of(endpoint))
            .credentials(credentials)
            .discover(false)
            .timeout(Duration.ofSeconds(3))
            .build()) {
      while (System.nanoTime() < deadlineNanos) {
        Call call = body.next();
        try {
          switch (call.kind()) {
            case CAS -> body.completed(call, 0,
                client.compareAndSet(call.key(), call.expectedBytes(), call.valueBytes()).getApplied());
            case WRITE -> {
              client.put(call.key(), call.valueBytes(), writeConsistency);
              body.completed(call, 0, true);
            }
            case READ -> {
              GetResponse r = client.get(call.key(), consistency, false);
              body.completed(call, valueOf(r.getFound(), r.getValue().toByteArray()), true);
            }
          }
        } catch (DialException e) {
          body.failed(call, e.kind());
        }
        TimeUnit.NANOSECONDS.sleep(body.thinkNanos());
      }
    }
  }
}
