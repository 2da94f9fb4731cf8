package io.dialkv.node;

import io.dialkv.core.time.Scheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A node's event loop: one thread that runs every core task and timer in turn. */
public final class LoopScheduler implements Scheduler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoopScheduler.class);

  private final ScheduledThreadPoolExecutor executor;
  private volatile Thread loopThread;

  public LoopScheduler(String name) {
    executor =
        new ScheduledThreadPoolExecutor(
            1,
            runnable -> {
              Thread t = new Thread(runnable, name);
              t.setDaemon(true);
              loopThread = t;
              return t;
            });
    // Cancelled timeouts are the common case; do not let them pile up in the queue.
    executor.setRemoveOnCancelPolicy(true);
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
  }

  @Override
  public void execute(Runnable task) {
    executor.execute(guarded(task));
  }

  @Override
  public Cancellable schedule(Duration delay, Runnable task) {
    ScheduledFuture<?> future =
        executor.schedule(guarded(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> future.cancel(false);
  }

  @Override
  public boolean inLoop() {
    return Thread.currentThread() == loopThread;
  }

  private static Runnable guarded(Runnable task) {
    return () -> {
      try {
        task.run();
      } catch (RuntimeException e) {
        log.error("event loop task failed", e);
      }
    };
  }

  /** Stops taking tasks and waits for the running one to finish. */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
