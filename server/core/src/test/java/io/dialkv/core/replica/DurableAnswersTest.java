package io.dialkv.core.replica;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.data.Row;
import io.dialkv.core.ring.TokenRing;
import io.dialkv.core.storage.InMemoryStorage;
import io.dialkv.core.storage.Storage;
import io.dialkv.core.time.Clock;
import io.dialkv.core.time.HybridClock;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.ReplicaReadRequest;
import io.dialkv.core.transport.ReplicaReadResponse;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.core.transport.ReplicaWriteResponse;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** A replica acknowledges a write only once its storage says the write is durable. */
class DurableAnswersTest {
  private static final long EPOCH = 1_767_225_600_000L;
  private static final Executor LOOP = Runnable::run;

  /** In-memory storage whose syncs complete only when the test says. */
  private static Storage gated(Storage inner, CompletableFuture<Void> gate) {
    return (Storage) Proxy.newProxyInstance(Storage.class.getClassLoader(), new Class<?>[] {Storage.class},
        (proxy, method, args) -> {
          if (method.getName().equals("synced")) {
            return gate;
          }
          try {
            return method.invoke(inner, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aWriteIsAnsweredOnlyOnceItIsSyncedAndAReadAtOnce() {
    CompletableFuture<Void> gate = new CompletableFuture<>();
    Clock clock = new Clock() {
      @Override
      public long physicalMillis() {
        return EPOCH;
      }

      @Override
      public long monotonicNanos() {
        return 0;
      }
    };
    TokenRing ring = TokenRing.create(List.of(1), 8, 1);
    ReplicaHandler replica = new ReplicaHandler(1, gated(new InMemoryStorage(), gate), new HybridClock(clock, 1),
        () -> ring, RequestLimits.defaults());
    Row row = Row.of(Map.of("value", Cell.live("v".getBytes(StandardCharsets.UTF_8), new Timestamp(EPOCH, 0, 2))));

    CompletableFuture<ReplicaWriteResponse> write = replica.handleDurably(new ReplicaWriteRequest(2, "k", row), LOOP);
    assertThat(write).as("stored, not yet synced: no acknowledgement").isNotDone();
    CompletableFuture<ReplicaReadResponse> read = replica.handleDurably(new ReplicaReadRequest(2, "k"), LOOP);
    assertThat(read).isDone();
    assertThat(read.join().row().liveCells()).containsKey("value");

    gate.complete(null);
    assertThat(write).isCompleted();
  }
}
