package io.dialkv.harness;

import io.dialkv.checker.history.Op;
import java.time.Duration;
import java.util.Random;

/**
 * Who a workload's client is in the history, whatever it runs: the node it talks to, its process
 * id, the values it writes and its pauses. After an indeterminate operation it continues as process
 * {@code id + stride}, as Jepsen does, since the old process may still have an operation in flight;
 * its values are unique in the run (its first process id times a million, counting up).
 */
final class ClientProcess {
  private final int node;
  private final long stride;
  private final Random random;
  private final Duration thinkTime;
  private long id;
  private long lastValue;

  ClientProcess(int node, long process, long stride, Random random, Duration thinkTime) {
    this.node = node;
    this.id = process;
    this.stride = stride;
    this.random = random;
    this.thinkTime = thinkTime;
    this.lastValue = process * 1_000_000L;
  }

  int node() {
    return node;
  }

  long id() {
    return id;
  }

  Random random() {
    return random;
  }

  /** A value no other operation of the run writes. */
  long nextValue() {
    return ++lastValue;
  }

  /** After an operation ended as {@code type}: an indeterminate one moves the client to a new process. */
  void ended(Op.Type type) {
    if (type == Op.Type.INFO) {
      id += stride;
    }
  }

  /** The pause before the next operation: the mean think time, give or take half. */
  long thinkNanos() {
    return (long) (thinkTime.toNanos() * (0.5 + random.nextDouble()));
  }
}
