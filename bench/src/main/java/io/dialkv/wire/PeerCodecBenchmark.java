package io.dialkv.wire;

import io.dialkv.core.data.Mutation;
import io.dialkv.core.time.Timestamp;
import io.dialkv.core.transport.PeerRequest;
import io.dialkv.core.transport.ReplicaWriteRequest;
import io.dialkv.proto.v1.peer.PeerBatch;
import io.dialkv.proto.v1.peer.PeerEnvelope;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The peer transport's framing: replica writes (200-byte values) encoded into one batch of the
 * Exchange stream and serialized, as one turn of a coordinator's event loop sends them; and a
 * received batch parsed and decoded into the core's requests. Per batch; divide by the batch size
 * for the cost of one message.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PeerCodecBenchmark {
  @Param({"1", "32"})
  public int batch;

  private List<ReplicaWriteRequest> writes;
  private byte[] wire;

  @Setup
  public void messages() {
    writes = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      writes.add(new ReplicaWriteRequest(1, "user-" + i, Mutation.put(new byte[200]).at(new Timestamp(1_000_000 + i, 0, 1))));
    }
    wire = encodeBatch();
  }

  @Benchmark
  public byte[] encodeBatch() {
    PeerBatch.Builder b = PeerBatch.newBuilder();
    long id = 0;
    for (ReplicaWriteRequest w : writes) {
      b.addRequests(PeerCodec.encode(w).setId(++id));
    }
    return b.build().toByteArray();
  }

  @Benchmark
  public List<PeerRequest<?>> decodeBatch() throws Exception {
    List<PeerRequest<?>> out = new ArrayList<>();
    for (PeerEnvelope e : PeerBatch.parseFrom(wire).getRequestsList()) {
      out.add(PeerCodec.decode(e));
    }
    return out;
  }
}
