package io.dialkv.core.transport;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Sends requests to other nodes. The only way the core reaches the network.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #send} never blocks and may be called only from the sending node's event loop.
 *   <li>The returned future always completes, on the sending node's event loop, no later than
 *       {@code timeout} after the call: with the reply, or exceptionally with {@link
 *       PeerFailureException}. A failure does not mean the request was not processed: a timed-out
 *       write may have been applied ({@link PeerFailureException#mayHaveBeenDelivered()}).
 *   <li>There is no retry and no ordering between requests; the receiver's handler must be
 *       idempotent where a retry is possible.
 * </ul>
 */
public interface Transport extends AutoCloseable {

  <R extends PeerResponse> CompletableFuture<R> send(int to, PeerRequest<R> request, Duration timeout);

  /**
   * Where each member is now: called when members join or leave. A transport that finds nodes by
   * other means may ignore it.
   */
  default void learnAddresses(Map<Integer, String> addresses) {}

  /** Releases connections; futures still pending fail. */
  @Override
  void close();
}
