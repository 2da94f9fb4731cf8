package io.dialkv.node;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * At most one log line per kind of event per interval, with the number of events the interval
 * kept quiet: what a node logs about requests a client or peer gets wrong, so that one client
 * sending garbage in a loop cannot fill the disk. Thread-safe; a few hundred nanoseconds a call.
 */
public final class RateLimitedLog {
  private static final int MAX_KINDS = 1024;
  private final Logger log;
  private final long intervalNanos;
  private final ConcurrentMap<String, Window> windows = new ConcurrentHashMap<>();

  private static final class Window {
    volatile long startNanos;
    final AtomicLong suppressed = new AtomicLong();

    Window(long startNanos) {
      this.startNanos = startNanos;
    }
  }

  public RateLimitedLog(Logger log, long interval, TimeUnit unit) {
    this.log = log;
    this.intervalNanos = unit.toNanos(interval);
  }

  /** Logs a WARN line for this kind of event unless one was logged within the interval. */
  public void warn(String kind, String format, Object... args) {
    long now = System.nanoTime();
    Window w = windows.get(kind);
    if (w == null) {
      if (windows.size() >= MAX_KINDS) {
        windows.clear(); // kinds are bounded in practice; never let a flood of them grow the map
      }
      Window fresh = new Window(now);
      w = windows.putIfAbsent(kind, fresh);
      if (w == null) {
        log.warn(format, args);
        return;
      }
    }
    synchronized (w) {
      if (now - w.startNanos < intervalNanos) {
        w.suppressed.incrementAndGet();
        return;
      }
      long quiet = w.suppressed.getAndSet(0);
      w.startNanos = now;
      log.warn(format + (quiet > 0 ? " (and " + quiet + " more like it since the last such line)" : ""), args);
    }
  }
}
