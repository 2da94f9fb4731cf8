package io.dialkv.core.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.admission.OverloadedException;
import io.dialkv.core.coordinator.ContentionException;
import io.dialkv.core.coordinator.IndeterminateWriteException;
import io.dialkv.core.coordinator.ReadFailedException;
import io.dialkv.core.coordinator.ReplicasRefusedException;
import io.dialkv.core.coordinator.UnavailableException;
import io.dialkv.core.data.InvalidRequestException;
import io.dialkv.core.membership.MembershipChangeRefusedException;
import io.dialkv.core.time.ClockOffsetException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.junit.jupiter.api.Test;

/** The one sorting of the core's failures into what a client is told. */
class FailureKindTest {
  @Test
  void eachOfTheCoresFailuresHasItsKindWrappedOrNot() {
    Map<Throwable, FailureKind> cases = Map.of(
        new InvalidRequestException("key is 300 bytes, limit 256"), FailureKind.INVALID_ARGUMENT,
        new OverloadedException("queue full", Duration.ofMillis(50)), FailureKind.OVERLOADED,
        new ClockOffsetException("600 ms ahead"), FailureKind.CLOCK_OFFSET,
        new UnavailableException("write", 2, 3, List.of(1), List.of(2, 3)), FailureKind.UNAVAILABLE,
        new ReplicasRefusedException("refused"), FailureKind.UNAVAILABLE,
        new MembershipChangeRefusedException("n3 is down"), FailureKind.REFUSED,
        new IndeterminateWriteException("timed out after sending"), FailureKind.INDETERMINATE,
        new ReadFailedException("timed out", true), FailureKind.READ_FAILED,
        new ContentionException("deadline passed"), FailureKind.CONTENTION,
        new RejectedExecutionException("loop shut down"), FailureKind.SHUTTING_DOWN);
    assertThat(cases.values()).containsAll(Arrays.asList(FailureKind.values()));
    cases.forEach((failure, kind) -> {
      assertThat(FailureKind.of(failure)).as(failure.toString()).contains(kind);
      assertThat(FailureKind.of(new CompletionException(failure))).as("wrapped " + failure).contains(kind);
    });
  }

  @Test
  void anythingElseIsNoKindABugAndTheWireNamesAreDistinct() {
    assertThat(FailureKind.of(new IllegalStateException("bug"))).isEmpty();
    assertThat(FailureKind.of(new CompletionException(new NullPointerException()))).isEmpty();
    assertThat(Arrays.stream(FailureKind.values()).map(FailureKind::wireName).distinct())
        .hasSize(FailureKind.values().length);
  }
}
