package io.dialkv.bench.race;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import java.util.concurrent.CompletableFuture;

final class GrpcFutures {
  static <T> CompletableFuture<T> of(ListenableFuture<T> call) {
    CompletableFuture<T> done = new CompletableFuture<>();
    Futures.addCallback(call, new FutureCallback<>() {
      @Override
      public void onSuccess(T result) {
        done.complete(result);
      }

      @Override
      public void onFailure(Throwable t) {
        done.completeExceptionally(t);
      }
    }, MoreExecutors.directExecutor());
    return done;
  }

  private GrpcFutures() {}
}
