package io.dialkv.checker.history;

import io.dialkv.checker.edn.Keyword;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One event of a Jepsen history: an invocation or a completion.
 *
 * @param process the client process (a Long), or the keyword {@code :nemesis} for fault events
 * @param type what the event is
 * @param f the function, e.g. "read", "write", "cas"
 * @param key the key the operation touches, or null when the history has a single object
 * @param value the argument (invocation) or result (completion)
 * @param timeNanos when it happened, or -1 if unknown
 * @param extra any other fields, kept for writing the history back out
 */
public record Op(
    Object process, Type type, String f, Object key, Object value, long timeNanos, Map<Object, Object> extra) {

  /** The kind of event. */
  public enum Type {
    INVOKE,
    OK,
    FAIL,
    INFO;

    public Keyword keyword() {
      return Keyword.of(name().toLowerCase(java.util.Locale.ROOT));
    }

    static Type of(Object keyword) {
      if (keyword instanceof Keyword k) {
        switch (k.name()) {
          case "invoke":
            return INVOKE;
          case "ok":
            return OK;
          case "fail":
            return FAIL;
          case "info":
            return INFO;
          default:
            break;
        }
      }
      throw new IllegalArgumentException("unknown :type " + keyword);
    }
  }

  public static final Keyword NEMESIS = Keyword.of("nemesis");

  public boolean isNemesis() {
    return NEMESIS.equals(process);
  }

  /** Builds an op from an EDN map such as {@code {:process 0, :type :invoke, :f :read, :value nil}}. */
  public static Op fromEdn(Object form) {
    if (!(form instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException("a history entry must be a map, got " + form);
    }
    Map<Object, Object> extra = new LinkedHashMap<>(map);
    Object process = extra.remove(Keyword.of("process"));
    Type type = Type.of(extra.remove(Keyword.of("type")));
    Object f = extra.remove(Keyword.of("f"));
    Object key = extra.remove(Keyword.of("key"));
    Object value = extra.remove(Keyword.of("value"));
    Object time = extra.remove(Keyword.of("time"));
    String fName = f instanceof Keyword k ? k.name() : String.valueOf(f);
    return new Op(process, type, fName, key, value, time instanceof Long t ? t : -1, extra);
  }

  /** This op as an EDN map, in Jepsen's field order. */
  public Map<Object, Object> toEdn() {
    Map<Object, Object> m = new LinkedHashMap<>();
    m.put(Keyword.of("process"), process);
    m.put(Keyword.of("type"), type.keyword());
    m.put(Keyword.of("f"), Keyword.of(f));
    if (key != null) {
      m.put(Keyword.of("key"), key);
    }
    m.put(Keyword.of("value"), value);
    if (timeNanos >= 0) {
      m.put(Keyword.of("time"), timeNanos);
    }
    m.putAll(extra);
    return m;
  }
}
