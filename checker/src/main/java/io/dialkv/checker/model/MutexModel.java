package io.dialkv.checker.model;

import io.dialkv.checker.history.Operation;

/** A lock: {@code :acquire} only when free, {@code :release} only when held. Initially free. */
public final class MutexModel implements Model {
  @Override
  public String name() {
    return "mutex";
  }

  @Override
  public Object initialState() {
    return Boolean.FALSE;
  }

  @Override
  public boolean readOnly(Operation op) {
    return false;
  }

  @Override
  public Object step(Object state, Operation op) {
    boolean held = (Boolean) state;
    return switch (op.f()) {
      case "acquire" -> held ? ILLEGAL : Boolean.TRUE;
      case "release" -> held ? Boolean.FALSE : ILLEGAL;
      default -> throw new IllegalArgumentException("mutex has no operation :" + op.f());
    };
  }
}
