package io.dialkv.client.balancer;

import java.util.function.LongSupplier;

/**
 * Client-side throttling of one node, in the manner of Google's SRE book ("adaptive throttling"):
 * over the last two seconds, count the requests sent to the node and those it accepted (any answer
 * but an overload refusal). While it accepts everything nothing is held back; once it refuses,
 * each new request is dropped here, before it is sent, with probability
 * {@code max(0, (requests - K * accepted) / (requests + 1))}. The node then receives about K
 * times what it can serve: enough to find out when it has room again, little enough that refusing
 * does not eat the capacity it has left. Thread-safe.
 */
final class Throttle {
  // The SRE book suggests 2; 1.5 leaves less of an overloaded node's CPU to refusing.
  static final double K = 1.5;
  private static final int BUCKETS = 20;
  private static final long BUCKET_NANOS = 100_000_000L; // 20 x 100 ms = the last 2 s

  private final LongSupplier nanos;
  private final long[] requests = new long[BUCKETS];
  private final long[] accepted = new long[BUCKETS];
  private long currentBucket;

  Throttle(LongSupplier nanos) {
    this.nanos = nanos;
    this.currentBucket = nanos.getAsLong() / BUCKET_NANOS;
  }

  /** Counts the answer to one request sent to the node. */
  synchronized void record(boolean wasAccepted) {
    advance();
    int i = (int) (currentBucket % BUCKETS);
    requests[i]++;
    if (wasAccepted) {
      accepted[i]++;
    }
  }

  /** The chance that a new request is held back now. */
  synchronized double rejectProbability() {
    advance();
    long r = 0;
    long a = 0;
    for (int i = 0; i < BUCKETS; i++) {
      r += requests[i];
      a += accepted[i];
    }
    return Math.max(0.0, (r - K * a) / (r + 1));
  }

  /** Whether to hold a request back, given a uniform random number in [0, 1). */
  boolean rejects(double draw) {
    return draw < rejectProbability();
  }

  private void advance() {
    long bucket = nanos.getAsLong() / BUCKET_NANOS;
    long steps = Math.min(BUCKETS, bucket - currentBucket);
    for (long s = 1; s <= steps; s++) {
      int i = (int) ((currentBucket + s) % BUCKETS);
      requests[i] = 0;
      accepted[i] = 0;
    }
    if (bucket > currentBucket) {
      currentBucket = bucket;
    }
  }
}
