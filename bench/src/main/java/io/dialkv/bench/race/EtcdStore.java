package io.dialkv.bench.race;

import com.google.protobuf.ByteString;
import io.dialkv.bench.race.etcd.Compare;
import io.dialkv.bench.race.etcd.KVGrpc;
import io.dialkv.bench.race.etcd.PutRequest;
import io.dialkv.bench.race.etcd.RangeRequest;
import io.dialkv.bench.race.etcd.RequestOp;
import io.dialkv.bench.race.etcd.TxnRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * etcd through its own v3 gRPC API, requests spread over the members in turn as etcd's clients do.
 * A put is etcd's only write (through Raft, fsynced by the leader and a majority); a read is
 * linearizable unless asked to be serializable (one member's copy); the compare-and-set is a
 * transaction that puts the key only if it was never created.
 */
final class EtcdStore implements Store {
  private final List<ManagedChannel> channels;
  private final List<KVGrpc.KVFutureStub> members;

  EtcdStore(List<String> endpoints) {
    channels = endpoints.stream()
        .map(e -> Grpc.newChannelBuilder(e, InsecureChannelCredentials.create()).directExecutor().build())
        .toList();
    members = channels.stream().map(KVGrpc::newFutureStub).toList();
  }

  @Override
  public List<String> workloads() {
    return List.of(Workloads.READ_ONE, Workloads.WRITE_LINEARIZABLE, Workloads.READ_LINEARIZABLE, Workloads.CAS);
  }

  private KVGrpc.KVFutureStub member(long n) {
    return members.get((int) (n % members.size())).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static ByteString bytes(String key) {
    return ByteString.copyFrom(key, StandardCharsets.UTF_8);
  }

  @Override
  public CompletableFuture<?> preload(String key, byte[] value) {
    return request(Workloads.WRITE_LINEARIZABLE, key, value, key.hashCode() & Integer.MAX_VALUE);
  }

  @Override
  public CompletableFuture<?> request(String workload, String key, byte[] value, long n) {
    return switch (workload) {
      case Workloads.WRITE_LINEARIZABLE -> GrpcFutures.of(member(n).put(
          PutRequest.newBuilder().setKey(bytes(key)).setValue(ByteString.copyFrom(value)).build()));
      case Workloads.READ_LINEARIZABLE, Workloads.READ_ONE -> GrpcFutures.of(member(n).range(
          RangeRequest.newBuilder().setKey(bytes(key)).setSerializable(workload.equals(Workloads.READ_ONE)).build()));
      case Workloads.CAS -> GrpcFutures.of(member(n).txn(TxnRequest.newBuilder()
          .addCompare(Compare.newBuilder().setKey(bytes(key)).setTarget(Compare.CompareTarget.CREATE)
              .setResult(Compare.CompareResult.EQUAL).setCreateRevision(0))
          .addSuccess(RequestOp.newBuilder().setRequestPut(
              PutRequest.newBuilder().setKey(bytes(key)).setValue(ByteString.copyFrom(value))))
          .build())).thenAccept(r -> {
            if (!r.getSucceeded()) {
              throw new IllegalStateException("a fresh key was found present");
            }
          });
      default -> throw new IllegalArgumentException("etcd has no " + workload);
    };
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
  }
}
