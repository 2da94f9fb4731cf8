package io.dialkv.bench.race;

import io.grpc.CallOptions;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The echo server as a store: every request is one unary call carrying the value. */
final class EchoStore implements Store {
  private final ManagedChannel channel;

  EchoStore(String endpoint) {
    channel = Grpc.newChannelBuilder(endpoint, InsecureChannelCredentials.create()).directExecutor().build();
  }

  @Override
  public List<String> workloads() {
    return List.of(Workloads.ECHO);
  }

  @Override
  public CompletableFuture<?> preload(String key, byte[] value) {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<?> request(String workload, String key, byte[] value, long n) {
    return GrpcFutures.of(ClientCalls.futureUnaryCall(
        channel.newCall(EchoServer.ECHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)), value));
  }

  @Override
  public void close() {
    channel.shutdownNow();
  }
}
