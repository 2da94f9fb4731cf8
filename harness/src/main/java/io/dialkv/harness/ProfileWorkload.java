package io.dialkv.harness;

import io.dialkv.checker.edn.Keyword;
import io.dialkv.checker.history.Op;
import io.dialkv.client.DialClient;
import io.dialkv.client.auth.DialCredentials;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Consistency;
import io.dialkv.proto.v1.GetProfileResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Concurrent profile updates from every node, so that during a partition both sides update
 * fields of the same profiles. Each update sets one field to a value no other update uses. After
 * the heal, the final profiles show which updates survived: each field is a register, and an
 * acknowledged update that came after the surviving one is a lost update. Recorded with
 * {@code :workload :profile} and keys {@code user/field}.
 */
public final class ProfileWorkload {
  static final Keyword WORKLOAD = Keyword.of("workload");
  static final Keyword PROFILE = Keyword.of("profile");
  private static final List<String> FIELDS = List.of("display_name", "email", "bio", "attributes.team");

  private final String level;
  private final List<String> users;
  private final Recorder recorder;
  private final Duration thinkTime;

  public ProfileWorkload(String level, int userCount, Recorder recorder, Duration thinkTime) {
    this.level = level;
    List<String> u = new ArrayList<>();
    for (int i = 0; i < userCount; i++) {
      u.add(level.toLowerCase(java.util.Locale.ROOT) + "-user-" + i);
    }
    this.users = List.copyOf(u);
    this.recorder = recorder;
    this.thinkTime = thinkTime;
  }

  public String level() {
    return level;
  }

  public List<String> users() {
    return users;
  }

  /** One profile update: a field of a user set to a value no other update uses. */
  public record Update(String user, String field, long value) {
    public String key() {
      return user + "/" + field;
    }

    public String valueText() {
      return Long.toString(value);
    }
  }

  /**
   * One client's choices and history records, whoever carries its updates: a thread with a gRPC
   * client ({@link #runClient}) or a simulation's event queue.
   */
  public final class Client {
    private final ClientProcess me;

    /** As {@link RegisterWorkload.Client}: after an indeterminate update it continues as a new process. */
    public Client(int node, long process, long stride, Random random) {
      this.me = new ClientProcess(node, process, stride, random, thinkTime);
    }

    /** Chooses the next update and records its invocation. */
    public Update next() {
      String user = users.get(me.random().nextInt(users.size()));
      String field = FIELDS.get(me.random().nextInt(FIELDS.size()));
      Update u = new Update(user, field, me.nextValue());
      record(me.id(), Op.Type.INVOKE, u.key(), u.value(), me.node(), null);
      return u;
    }

    public void completed(Update u) {
      record(me.id(), Op.Type.OK, u.key(), u.value(), me.node(), null);
    }

    public void failed(Update u, DialException.Kind kind) {
      Op.Type type = RegisterWorkload.outcome(kind, true);
      record(me.id(), type, u.key(), u.value(), me.node(), kind.name());
      me.ended(type);
    }

    /** The pause before the next update: the think time, 0.5x to 1.5x. */
    public long thinkNanos() {
      return me.thinkNanos();
    }
  }

  public void runClient(int node, String endpoint, DialCredentials credentials, long process, long stride,
      long deadlineNanos, Random random) throws InterruptedException {
    Consistency consistency = RegisterWorkload.consistencyOf(level, true);
    Client c = new Client(node, process, stride, random);
    try (DialClient client =
        DialClient.builder()
            .endpoints(List.of(endpoint))
            .credentials(credentials)
            .discover(false)
            .timeout(Duration.ofSeconds(3))
            .build()) {
      while (System.nanoTime() < deadlineNanos) {
        Update u = c.next();
        try {
          client.updateProfile(u.user(), Map.of(u.field(), u.valueText()), List.of(), consistency);
          c.completed(u);
        } catch (DialException e) {
          c.failed(u, e.kind());
        }
        TimeUnit.NANOSECONDS.sleep(c.thinkNanos());
      }
    }
  }

  private void record(long process, Op.Type type, String key, long value, int node, String error) {
    recorder.record(process, type, "write", key, value, level, node, error, PROFILE.name());
  }

  /** Reads every profile at ALL after the heal: each field's final value (0 if absent). */
  public Map<Object, Long> finalValues(DialClient client) throws InterruptedException {
    Map<Object, Long> values = new HashMap<>();
    for (String user : users) {
      GetProfileResponse r = null;
      for (int attempt = 0; r == null; attempt++) {
        try {
          r = client.getProfile(user, Consistency.ALL, false);
        } catch (DialException e) {
          if (attempt >= 20) {
            throw e;
          }
          TimeUnit.MILLISECONDS.sleep(250); // the cluster is converging
        }
      }
      Map<String, String> fields = new HashMap<>();
      fields.put("display_name", r.getProfile().getDisplayName());
      fields.put("email", r.getProfile().getEmail());
      fields.put("bio", r.getProfile().getBio());
      fields.put("attributes.team", r.getProfile().getAttributesOrDefault("team", ""));
      putFinal(values, user, fields);
    }
    return values;
  }

  /**
   * Adds one user's final fields (field name to text, empty or missing when absent) as the
   * analysis takes them: {@code user/field} to the value, 0 when absent.
   */
  public static void putFinal(Map<Object, Long> values, String user, Map<String, String> fields) {
    for (String field : FIELDS) {
      String v = fields.getOrDefault(field, "");
      values.put(user + "/" + field, v.isEmpty() ? 0L : Long.parseLong(v));
    }
  }
}
