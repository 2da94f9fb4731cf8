package io.dialkv.checker.history;

import io.dialkv.checker.edn.Edn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A Jepsen history: invocations and completions in the order they happened. Reads both layouts
 * found in the wild: one EDN vector (or list) of op maps (Jepsen, Knossos), or one op map per line
 * (Porcupine's logs).
 */
public final class History {
  private final List<Op> events;

  public History(List<Op> events) {
    this.events = List.copyOf(events);
  }

  public static History parse(String text) {
    List<Object> forms = Edn.readAll(text);
    List<Object> entries =
        forms.size() == 1 && forms.get(0) instanceof List<?> list ? new ArrayList<>(list) : forms;
    List<Op> events = new ArrayList<>(entries.size());
    for (Object entry : entries) {
      events.add(Op.fromEdn(entry));
    }
    return new History(events);
  }

  public static History load(Path file) throws IOException {
    return parse(Files.readString(file));
  }

  public List<Op> events() {
    return events;
  }

  /**
   * Pairs each client invocation with its process's next completion. {@code :fail} operations
   * certainly did not happen and are dropped; {@code :info} completions and invocations that never
   * completed are kept as indeterminate. Nemesis events are skipped.
   */
  public List<Operation> operations() {
    Map<Object, Integer> pendingByProcess = new HashMap<>();
    List<Op> invokes = new ArrayList<>();
    List<Integer> invokeIndex = new ArrayList<>();
    Op[] completions = new Op[events.size()];
    int[] completionIndex = new int[events.size()];
    for (int i = 0; i < events.size(); i++) {
      Op op = events.get(i);
      if (op.isNemesis()) {
        continue;
      }
      if (op.type() == Op.Type.INVOKE) {
        pendingByProcess.put(op.process(), invokes.size());
        invokes.add(op);
        invokeIndex.add(i);
      } else {
        Integer pending = pendingByProcess.remove(op.process());
        if (pending != null) {
          completions[pending] = op;
          completionIndex[pending] = i;
        }
      }
    }
    List<Operation> operations = new ArrayList<>();
    for (int n = 0; n < invokes.size(); n++) {
      Op invoke = invokes.get(n);
      Op done = completions[n];
      if (done != null && done.type() == Op.Type.FAIL) {
        continue;
      }
      boolean known = done != null && done.type() == Op.Type.OK;
      operations.add(
          new Operation(
              operations.size(),
              invoke.process(),
              invoke.f(),
              invoke.key(),
              invoke.value(),
              known ? done.value() : null,
              invokeIndex.get(n),
              known ? completionIndex[n] : Integer.MAX_VALUE,
              invoke,
              done));
    }
    return operations;
  }

  /** The history as one EDN vector, one op per line. */
  public String toEdn() {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < events.size(); i++) {
      b.append(i == 0 ? "" : "\n ").append(Edn.write(events.get(i).toEdn()));
    }
    return b.append("]\n").toString();
  }
}
