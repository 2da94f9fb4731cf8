package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.netty.shaded.io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventLoopSchedulerTest {
  @Test
  void theLoopRunsOnANettyThreadSoNettysPerThreadStateIsAFieldNotAMapLookup() throws Exception {
    try (EventLoopScheduler loop = new EventLoopScheduler("dialkv-test-loop")) {
      CompletableFuture<Thread> ranOn = new CompletableFuture<>();
      loop.execute(() -> ranOn.complete(Thread.currentThread()));
      Thread thread = ranOn.get(5, TimeUnit.SECONDS);
      assertThat(thread.getName()).isEqualTo("dialkv-test-loop");
      assertThat(thread).isInstanceOf(FastThreadLocalThread.class);
      assertThat(thread.isDaemon()).isTrue();
    }
  }
}
