package io.dialkv.core.node;

import io.dialkv.core.admission.OverloadedException;
import io.dialkv.core.coordinator.ContentionException;
import io.dialkv.core.coordinator.IndeterminateWriteException;
import io.dialkv.core.coordinator.ReadFailedException;
import io.dialkv.core.coordinator.ReplicasRefusedException;
import io.dialkv.core.coordinator.UnavailableException;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.membership.MembershipChangeRefusedException;
import io.dialkv.core.time.ClockOffsetException;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

/**
 * What kind of failure a node's answer is, as its client is told (the node's {@code dialkv-error}
 * trailer carries {@link #wireName}): the one place that sorts the core's exceptions, for the
 * node's gRPC replies and for simulated clients alike.
 */
public enum FailureKind {
  INVALID_ARGUMENT("invalid-argument"),
  OVERLOADED("overloaded"),
  CLOCK_OFFSET("clock-offset"),
  UNAVAILABLE("unavailable"),
  REFUSED("refused"),
  INDETERMINATE("indeterminate"),
  READ_FAILED("read-failed"),
  CONTENTION("contention"),
  SHUTTING_DOWN("shutting-down");

  private final String wireName;

  FailureKind(String wireName) {
    this.wireName = wireName;
  }

  /** The name clients read from the {@code dialkv-error} trailer. */
  public String wireName() {
    return wireName;
  }

  /** The failure itself: the cause of a {@link CompletionException}, else the throwable. */
  public static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }

  /** The kind of a failure (unwrapped); empty for one that is none of them: a bug. */
  public static Optional<FailureKind> of(Throwable failure) {
    Throwable t = unwrap(failure);
    FailureKind kind = null;
    if (t instanceof InvalidRequestException) {
      kind = INVALID_ARGUMENT;
    } else if (t instanceof OverloadedException) {
      kind = OVERLOADED;
    } else if (t instanceof ClockOffsetException) {
      kind = CLOCK_OFFSET;
    } else if (t instanceof ReplicasRefusedException || t instanceof UnavailableException) {
      kind = UNAVAILABLE;
    } else if (t instanceof MembershipChangeRefusedException) {
      kind = REFUSED;
    } else if (t instanceof IndeterminateWriteException) {
      kind = INDETERMINATE;
    } else if (t instanceof ReadFailedException) {
      kind = READ_FAILED;
    } else if (t instanceof ContentionException) {
      kind = CONTENTION;
    } else if (t instanceof RejectedExecutionException) {
      kind = SHUTTING_DOWN;
    }
    return Optional.ofNullable(kind);
  }
}
