package io.dialkv.core.sim;

import io.dialkv.core.time.Buggify;
import io.dialkv.core.time.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's view of the shared simulated event loop. A crashed node's pending tasks are dropped,
 * as a killed process's would be; a paused node's are held, in order, until it resumes, as a
 * stopped process's would be.
 */
public final class SimScheduler implements Scheduler {
  private static final Logger log = LoggerFactory.getLogger(SimScheduler.class);

  private final SimWorld world;
  private final int nodeId;
  private final RandomGenerator random;
  // Bumped on crash so that tasks scheduled by the previous incarnation never run.
  private int incarnation;
  private boolean paused;
  private final List<Runnable> held = new ArrayList<>();

  SimScheduler(SimWorld world, int nodeId) {
    this.world = world;
    this.nodeId = nodeId;
    this.random = new SplittableRandom(world.random().nextLong());
  }

  @Override
  public RandomGenerator random() {
    return random;
  }

  /**
   * Runs work that belongs to this node (a task, a message delivered to it, a reply or timeout of
   * its own request) now, or, while the node is paused, when it resumes.
   */
  void runOrHold(Runnable work) {
    if (paused) {
      held.add(work);
    } else {
      work.run();
    }
  }

  void pause() {
    paused = true;
  }

  /** Resumes the node: everything held runs at once, in the order it was due. */
  void resume() {
    paused = false;
    List<Runnable> due = List.copyOf(held);
    held.clear();
    for (Runnable work : due) {
      world.after(Duration.ZERO, work);
    }
  }

  @Override
  public void execute(Runnable task) {
    world.after(Duration.ZERO, guarded(task));
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    boolean[] cancelled = {false};
    // Checked when the task would run, so that one cancelled while its node was paused stays off.
    world.after(delay, guarded(() -> {
      if (!cancelled[0]) {
        task.run();
      }
    }));
    return () -> cancelled[0] = true;
  }

  @Override
  public boolean buggify(Buggify site) {
    return world.buggify(site);
  }

  @Override
  public boolean inLoop() {
    return true;
  }

  void crash() {
    incarnation++;
    paused = false;
    held.clear();
  }

  private Runnable guarded(Runnable task) {
    int scheduledIn = incarnation;
    return () -> {
      if (scheduledIn != incarnation) {
        return;
      }
      runOrHold(() -> {
        if (scheduledIn != incarnation) {
          return;
        }
        try {
          task.run();
        } catch (RuntimeException e) {
          log.error("n{}: task failed", nodeId, e);
        }
      });
    };
  }
}
