package io.dialkv.checker.model;

import io.dialkv.checker.edn.Keyword;
import io.dialkv.checker.history.Operation;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Several registers changed by transactions: {@code :txn [[:read :x 1] [:write :y 2]]}, applied
 * atomically in order. A read of nil matches anything.
 */
public final class MultiRegisterModel implements Model {
  private final Map<Object, Object> initial;

  public MultiRegisterModel(Map<Object, Object> initial) {
    this.initial = Map.copyOf(initial);
  }

  @Override
  public String name() {
    return "multi-register";
  }

  @Override
  public Object initialState() {
    return initial;
  }

  @Override
  public boolean readOnly(Operation op) {
    return micro(op).stream().allMatch(m -> ((List<?>) m).get(0).equals(Keyword.of("read")));
  }

  private static List<?> micro(Operation op) {
    Object value = op.output() != null ? op.output() : op.input();
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException("txn value must be a list of [f k v]: " + op);
    }
    return list;
  }

  @Override
  public Object step(Object state, Operation op) {
    if (!op.f().equals("txn")) {
      throw new IllegalArgumentException("multi-register has no operation :" + op.f());
    }
    @SuppressWarnings("unchecked")
    Map<Object, Object> current = (Map<Object, Object>) state;
    Map<Object, Object> next = null;
    for (Object m : micro(op)) {
      List<?> step = (List<?>) m;
      Object f = step.get(0);
      Object key = step.get(1);
      Object value = step.get(2);
      Map<Object, Object> view = next != null ? next : current;
      if (f.equals(Keyword.of("read"))) {
        if (value != null && !RegisterModel.same(value, view.get(key))) {
          return ILLEGAL;
        }
      } else if (f.equals(Keyword.of("write"))) {
        if (next == null) {
          next = new HashMap<>(current);
        }
        next.put(key, value);
      } else {
        throw new IllegalArgumentException("unknown txn step " + step);
      }
    }
    return next == null ? current : Map.copyOf(next);
  }
}
