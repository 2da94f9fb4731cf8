package io.dialkv.core.sim;

import io.dialkv.core.time.Scheduler;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's view of the shared simulated event loop. A crashed node's pending tasks are dropped,
 * as a killed process's would be.
 */
public final class SimScheduler implements Scheduler {
  private static final Logger log = LoggerFactory.getLogger(SimScheduler.class);

  private final SimWorld world;
  private final int nodeId;
  // Bumped on crash so that tasks scheduled by the previous incarnation never run.
  private int incarnation;

  SimScheduler(SimWorld world, int nodeId) {
    this.world = world;
    this.nodeId = nodeId;
  }

  @Override
  public void execute(Runnable task) {
    world.after(Duration.ZERO, guarded(task));
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    Runnable run = guarded(task);
    world.after(
        delay,
        () -> {
          if (!cancelled[0]) {
            run.run();
          }
        });
    return () -> cancelled[0] = true;
  }

  @Override
  public boolean inLoop() {
    return true;
  }

  void crash() {
    incarnation++;
  }

  private Runnable guarded(Runnable task) {
    int scheduledIn = incarnation;
    return () -> {
      if (scheduledIn != incarnation) {
        return;
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("n{}: task failed", nodeId, e);
      }
    };
  }
}
