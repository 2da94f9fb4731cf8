package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.admission.OverloadedException;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RepliesTest {
  @Test
  void anOverloadRefusalIsResourceExhaustedWithItsKindAndWhenToRetry() {
    StatusRuntimeException status = Replies.toStatus(
        new CompletionException(new OverloadedException("n1 is at its limit of 32 requests in flight", Duration.ofMillis(7))));
    assertThat(status.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getStatus().getDescription()).isEqualTo("n1 is at its limit of 32 requests in flight");
    assertThat(status.getTrailers().get(Replies.ERROR_KIND)).isEqualTo("overloaded");
    assertThat(status.getTrailers().get(Replies.RETRY_AFTER_MS)).isEqualTo("7");
  }
}
