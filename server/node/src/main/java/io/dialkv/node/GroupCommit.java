package io.dialkv.node;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One fsync for every write that arrived while the last one ran. Writes go to the write-ahead log
 * unsynced (so a killed process loses none of them); whoever needs them to survive a power loss
 * asks for a sync and is answered when a sync that began after the request has finished. While a
 * sync runs, the requests that arrive wait together for the next one, so under load one fsync
 * serves a whole batch and the cost per write falls as the load rises.
 *
 * <p>The sync runs on a thread of its own, never on the node's event loop; answers hop back to the
 * loop the caller names. Thread-safe.
 */
final class GroupCommit implements AutoCloseable {
  /** What one sync does: fsync the log, or fail. */
  interface Sync {
    void run() throws Exception;
  }

  private static final Logger log = LoggerFactory.getLogger(GroupCommit.class);
  private final Sync sync;
  private final ExecutorService thread;
  private CompletableFuture<Void> waiting; // requests the next sync will answer
  private boolean syncing;
  private long syncs;
  private long requests;

  GroupCommit(String name, Sync sync) {
    this.sync = sync;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    });
  }

  /** Completes on {@code loop} once a sync that began after this call has finished. */
  CompletableFuture<Void> request(Executor loop) {
    CompletableFuture<Void> answer;
    synchronized (this) {
      requests++;
      if (waiting == null) {
        waiting = new CompletableFuture<>();
      }
      answer = waiting;
      if (!syncing) {
        syncing = true;
        thread.execute(this::syncWhileRequested);
      }
    }
    return answer.thenApplyAsync(done -> done, loop);
  }

  private void syncWhileRequested() {
    while (true) {
      CompletableFuture<Void> batch;
      synchronized (this) {
        batch = waiting;
        waiting = null;
        if (batch == null) {
          syncing = false;
          return;
        }
        syncs++;
      }
      try {
        sync.run();
        batch.complete(null);
      } catch (Exception e) {
        log.error("syncing the write-ahead log failed: {}", e.toString());
        batch.completeExceptionally(new IllegalStateException("syncing the write-ahead log failed: " + e.getMessage(), e));
      }
    }
  }

  /** Syncs so far, and requests they answered: how many writes each fsync served. */
  synchronized long[] counts() {
    return new long[] {syncs, requests};
  }

  /** Answers what waits with one last sync, then stops the thread. */
  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        thread.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      thread.shutdownNow();
    }
    CompletableFuture<Void> left;
    synchronized (this) {
      left = waiting;
      waiting = null;
    }
    if (left != null) {
      try {
        sync.run();
        left.complete(null);
      } catch (Exception e) {
        left.completeExceptionally(e);
      }
    }
  }
}
