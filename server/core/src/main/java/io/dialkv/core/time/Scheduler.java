package io.dialkv.core.time;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * One node's event loop. Every piece of core state belongs to exactly one node and is touched only
 * by tasks run here, one at a time, so the core needs no locks. Production runs a single thread;
 * simulations run every node's tasks on one virtual-time queue.
 *
 * <p>{@link #execute} and {@link #schedule} may be called from any thread and never block. Tasks run
 * in the order they become due; a task that throws is logged and does not stop the loop.
 */
public interface Scheduler extends Executor {

  /** Runs the task on the loop as soon as possible. */
  @Override
  void execute(Runnable task);

  /** Runs the task on the loop after the delay, unless cancelled first. */
  Cancellable schedule(Duration delay, Runnable task);

  /** Whether the calling thread is this loop (always true in a simulation). */
  boolean inLoop();

  /**
   * The one source of chance for the tasks on this loop (back-off, read-repair sampling): drawn
   * from the run's seed in a simulation, so that a seed replays exactly; unseeded in production.
   * Used only on the loop.
   */
  RandomGenerator random();

  /**
   * Whether the rare behaviour at {@code site} should happen now. Off in production (this default);
   * a simulation may turn sites on for a run, each firing at a chance, all drawn from the run's
   * seed. Used only on the loop.
   */
  default boolean buggify(Buggify site) {
    return false;
  }

  /** A scheduled task that can be called off. */
  interface Cancellable {
    /** Prevents the task from running if it has not started; harmless if it already ran. */
    void cancel();
  }
}
