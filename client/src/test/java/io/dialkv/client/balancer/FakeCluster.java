package io.dialkv.client.balancer;

import io.dialkv.core.ring.TokenRing;
import io.dialkv.proto.v1.ClusterGrpc;
import io.dialkv.proto.v1.CompareAndSetRequest;
import io.dialkv.proto.v1.CompareAndSetResponse;
import io.dialkv.proto.v1.DialKvGrpc;
import io.dialkv.proto.v1.GetProfileRequest;
import io.dialkv.proto.v1.GetProfileResponse;
import io.dialkv.proto.v1.GetRequest;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.NodeInfo;
import io.dialkv.proto.v1.NodeState;
import io.dialkv.proto.v1.PutRequest;
import io.dialkv.proto.v1.PutResponse;
import io.dialkv.proto.v1.TopologyRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;

/**
 * Nodes that speak dialkv's client protocol (topology, health, get/put) without storing
 * anything, each on a real 127.0.0.1 port: the test seam for the balancer. Each node counts the
 * requests it serves and remembers the keys; a node can be made slow, broken (answering every
 * request UNAVAILABLE without dialkv's trailer, as a failing connection would), NOT_SERVING, or
 * killed and restarted on its port.
 */
final class FakeCluster implements AutoCloseable {
  static final int REPLICATION_FACTOR = 3;

  final TokenRing ring;
  private final List<FakeNode> nodes = new ArrayList<>();
  private final ScheduledExecutorService delays = Executors.newSingleThreadScheduledExecutor();

  FakeCluster(int size) {
    List<Integer> ids = IntStream.rangeClosed(1, size).boxed().toList();
    this.ring = TokenRing.create(ids, 64, Math.min(REPLICATION_FACTOR, size));
    for (int id : ids) {
      FakeNode node = new FakeNode(id);
      node.start(0);
      nodes.add(node);
    }
  }

  FakeNode node(int id) {
    return nodes.get(id - 1);
  }

  List<FakeNode> nodes() {
    return nodes;
  }

  List<String> endpoints() {
    return nodes.stream().map(FakeNode::endpoint).toList();
  }

  private TopologyResponse topology(int answeredBy) {
    TopologyResponse.Builder b =
        TopologyResponse.newBuilder()
            .setAnsweredByNodeId(answeredBy)
            .setReplicationFactor(ring.replicationFactor());
    for (FakeNode n : nodes) {
      if (!n.listed) {
        continue;
      }
      b.addNodes(
          NodeInfo.newBuilder()
              .setNodeId(n.id)
              .setAddress(n.endpoint())
              .setLiveness(n.running() ? Liveness.UP : Liveness.DOWN)
              .setState(n.state)
              .addAllTokens(ring.tokensOf(n.id))
              .setTokenCount(ring.tokensOf(n.id).size()));
    }
    return b.build();
  }

  @Override
  public void close() {
    nodes.forEach(FakeNode::kill);
    delays.shutdownNow();
  }

  final class FakeNode {
    final int id;
    final AtomicLong served = new AtomicLong();
    final Queue keys = new Queue();
    private volatile long delayMillis;
    private volatile Status broken;
    private volatile io.grpc.Metadata brokenTrailers;
    private volatile boolean listed = true;
    private volatile NodeState state = NodeState.NODE_STATE_NORMAL;
    private volatile int port;
    private volatile Server server;
    private HealthStatusManager health;

    FakeNode(int id) {
      this.id = id;
    }

    String endpoint() {
      return "127.0.0.1:" + port;
    }

    boolean running() {
      return server != null && !server.isShutdown();
    }

    void start(int wantedPort) {
      health = new HealthStatusManager();
      try {
        server =
            NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", wantedPort))
                .withOption(ChannelOption.SO_REUSEADDR, true)
                .addService(new Kv())
                .addService(new Topology())
                .addService(health.getHealthService())
                .build()
                .start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      port = server.getPort();
    }

    void restart() {
      start(port);
    }

    /** Stops at once, cutting every connection, as SIGKILL would. */
    void kill() {
      if (server != null) {
        server.shutdownNow();
        try {
          server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    /** Whether the topology lists this node (a node joining or leaving the cluster). */
    void listed(boolean listed) {
      this.listed = listed;
    }

    /** The membership state the topology reports for this node. */
    void state(NodeState state) {
      this.state = state;
    }

    void slow(long millis) {
      delayMillis = millis;
    }

    /** Answers every request UNAVAILABLE without dialkv's trailer, as a failing connection would. */
    void broken(boolean broken) {
      this.broken = broken ? Status.UNAVAILABLE.withDescription("fake node " + id + " is broken") : null;
      this.brokenTrailers = null;
    }

    /** Answers every request with this status and no dialkv trailer (null: answers normally). */
    /** Answers every request as a node at its admission limit does. */
    void overloaded(boolean overloaded) {
      this.broken = overloaded ? Status.RESOURCE_EXHAUSTED.withDescription("fake node " + id + " is at its limit") : null;
      this.brokenTrailers = overloaded ? overloadTrailers() : null;
    }

    private static io.grpc.Metadata overloadTrailers() {
      io.grpc.Metadata trailers = new io.grpc.Metadata();
      trailers.put(CallFailure.KIND, "overloaded");
      trailers.put(CallFailure.RETRY_AFTER_MS, "5");
      return trailers;
    }

    void brokenWith(Status status) {
      this.broken = status;
      this.brokenTrailers = null;
    }

    void serving(boolean serving) {
      health.setStatus("", serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
    }

    private <T> void answer(String key, T reply, StreamObserver<T> observer) {
      served.incrementAndGet();
      keys.add(key);
      Runnable send = () -> {
        Status failure = broken;
        if (failure != null) {
          observer.onError(failure.asRuntimeException(brokenTrailers));
          return;
        }
        observer.onNext(reply);
        observer.onCompleted();
      };
      long delay = delayMillis;
      if (delay > 0) {
        delays.schedule(send, delay, TimeUnit.MILLISECONDS);
      } else {
        send.run();
      }
    }

    private final class Kv extends DialKvGrpc.DialKvImplBase {
      @Override
      public void get(GetRequest request, StreamObserver<GetResponse> observer) {
        answer(request.getKey(), GetResponse.getDefaultInstance(), observer);
      }

      @Override
      public void put(PutRequest request, StreamObserver<PutResponse> observer) {
        answer(request.getKey(), PutResponse.getDefaultInstance(), observer);
      }

      @Override
      public void compareAndSet(CompareAndSetRequest request, StreamObserver<CompareAndSetResponse> observer) {
        answer(request.getKey(), CompareAndSetResponse.getDefaultInstance(), observer);
      }

      @Override
      public void getProfile(GetProfileRequest request, StreamObserver<GetProfileResponse> observer) {
        answer("profile/" + request.getUserId(), GetProfileResponse.getDefaultInstance(), observer);
      }
    }

    private final class Topology extends ClusterGrpc.ClusterImplBase {
      @Override
      public void topology(TopologyRequest request, StreamObserver<TopologyResponse> observer) {
        observer.onNext(FakeCluster.this.topology(id));
        observer.onCompleted();
      }
    }
  }

  /** The keys a node served, in arrival order. */
  static final class Queue {
    private final ConcurrentLinkedQueue<String> keys = new ConcurrentLinkedQueue<>();

    void add(String key) {
      keys.add(key);
    }

    List<String> drain() {
      List<String> list = new ArrayList<>(keys);
      keys.clear();
      return list;
    }
  }

  /** Requests served per node id. */
  Map<Integer, Long> servedPerNode() {
    Map<Integer, Long> map = new ConcurrentHashMap<>();
    nodes.forEach(n -> map.put(n.id, n.served.get()));
    return map;
  }

  void resetCounts() {
    nodes.forEach(n -> {
      n.served.set(0);
      n.keys.drain();
    });
  }
}
