package io.dialkv.checker.model;

import io.dialkv.checker.history.Operation;
import java.util.Objects;

/**
 * Porcupine's key-value model: each key holds a string, initially empty; {@code :get} returns it,
 * {@code :put} replaces it, {@code :append} concatenates. Keys are independent.
 */
public final class KvModel implements Model {
  private final String initial;

  public KvModel(String initial) {
    this.initial = initial;
  }

  @Override
  public String name() {
    return "kv";
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
    return op.f().equals("get");
  }

  @Override
  public Object step(Object state, Operation op) {
    String current = (String) state;
    return switch (op.f()) {
      case "get" -> op.indeterminate() || Objects.equals(op.output(), current) ? current : ILLEGAL;
      case "put" -> String.valueOf(op.input());
      case "append" -> current + op.input();
      default -> throw new IllegalArgumentException("kv has no operation :" + op.f());
    };
  }
}
