package io.dialkv.checker.model;

import io.dialkv.checker.history.Operation;
import java.util.List;
import java.util.Objects;

/**
 * A register with read and write, and optionally compare-and-set ({@code :cas [expected new]}).
 * A read that returned nil (unknown) matches any state. Keyed histories are checked per key.
 */
public final class RegisterModel implements Model {
  private final Object initial;
  private final boolean cas;

  private RegisterModel(Object initial, boolean cas) {
    this.initial = initial;
    this.cas = cas;
  }

  public static RegisterModel register(Object initial) {
    return new RegisterModel(initial, false);
  }

  public static RegisterModel casRegister(Object initial) {
    return new RegisterModel(initial, true);
  }

  @Override
  public String name() {
    return cas ? "cas-register" : "register";
  }

  @Override
  public Object initialState() {
    return initial;
  }

  @Override
  public boolean partitionByKey() {
    return true;
  }

  @Override
  public boolean readOnly(Operation op) {
    return op.f().equals("read");
  }

  @Override
  public Object step(Object state, Operation op) {
    switch (op.f()) {
      case "read":
        return op.output() == null || same(op.output(), state) ? state : ILLEGAL;
      case "write":
        return op.input();
      case "cas":
        if (!cas) {
          break;
        }
        if (!(op.input() instanceof List<?> pair) || pair.size() != 2) {
          throw new IllegalArgumentException("cas value must be [expected new]: " + op);
        }
        return same(pair.get(0), state) ? pair.get(1) : ILLEGAL;
      default:
        break;
    }
    throw new IllegalArgumentException(name() + " has no operation :" + op.f() + " (" + op + ")");
  }

  /** Numbers compare by value whatever their boxed type. */
  static boolean same(Object a, Object b) {
    if (a instanceof Number x && b instanceof Number y) {
      return x.longValue() == y.longValue() && x.doubleValue() == y.doubleValue();
    }
    return Objects.equals(a, b);
  }
}
