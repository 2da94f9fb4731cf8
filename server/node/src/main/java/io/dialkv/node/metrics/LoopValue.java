package io.dialkv.node.metrics;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A value that lives on the node's event loop, read for a scrape: asked for once and shared by
 * every metric of that scrape (a value younger than {@link #FRESH_NANOS} is reused), and waited
 * for a bounded time, so a stuck loop shows as missing series, not a hung scrape. Thread-safe.
 */
final class LoopValue<T> {
  private static final Logger log = LoggerFactory.getLogger(LoopValue.class);
  private static final long WAIT_MS = 1_000;
  // Shorter than any sensible scrape interval, longer than one scrape takes.
  private static final long FRESH_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  private final Supplier<CompletableFuture<T>> ask;
  private T value;
  private long askedAt;

  LoopValue(Supplier<CompletableFuture<T>> ask) {
    this.ask = ask;
  }

  synchronized Optional<T> get() {
    long now = System.nanoTime();
    if (value != null && now - askedAt < FRESH_NANOS) {
      return Optional.of(value);
    }
    value = null;
    try {
      value = ask.get().get(WAIT_MS, TimeUnit.MILLISECONDS);
      askedAt = now;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.debug("a metric could not be read from the node: {}", e.toString());
    }
    return Optional.ofNullable(value);
  }
}
