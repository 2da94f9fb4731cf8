package io.dialkv.core.coordinator;

import java.util.List;

/**
 * Too few replicas were alive to meet the level, so nothing was sent: the request certainly had no
 * effect and may be retried.
 */
public final class UnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int required;
  private final int replicationFactor;
  private final List<Integer> alive;

  public UnavailableException(
      String operation, int required, int replicationFactor, List<Integer> alive, List<Integer> down) {
    super(
        String.format(
            "%s needed %d of %d replicas, %d alive (down: %s); nothing was %s",
            operation,
            required,
            replicationFactor,
            alive.size(),
            Nodes.names(down),
            operation.equals("write") ? "written" : "read"),
        null,
        false,
        false);
    this.required = required;
    this.replicationFactor = replicationFactor;
    this.alive = List.copyOf(alive);
  }

  public int required() {
    return required;
  }

  public int replicationFactor() {
    return replicationFactor;
  }

  public List<Integer> alive() {
    return alive;
  }
}
