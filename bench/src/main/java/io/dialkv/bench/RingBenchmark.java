package io.dialkv.bench;

import io.dialkv.core.node.NodeConfig;
import io.dialkv.core.ring.TokenRing;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
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
 * A key's replicas on the token ring (hash the key, find its range, walk to RF distinct nodes):
 * every request does it at the coordinator, and token-aware clients once more.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RingBenchmark {
  @Param({"3", "8", "32"})
  public int nodes;

  private TokenRing ring;
  private String[] keys;
  private int next;

  @Setup
  public void ring() {
    List<Integer> ids = IntStream.rangeClosed(1, nodes).boxed().toList();
    ring = TokenRing.create(ids, NodeConfig.DEFAULT_VIRTUAL_NODES, 3);
    keys = IntStream.range(0, 10_000).mapToObj(i -> "user-" + i).toArray(String[]::new);
  }

  @Benchmark
  public List<Integer> replicasFor() {
    next = (next + 1) % keys.length;
    return ring.replicasFor(keys[next]);
  }
}
