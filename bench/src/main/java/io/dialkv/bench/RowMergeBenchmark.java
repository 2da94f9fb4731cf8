package io.dialkv.bench;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Row;
import io.dialkv.core.time.Timestamp;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Last-write-wins merge of two replicas' copies of a profile row (eight fields of 200 bytes, each
 * replica newer on half of them), as every read at QUORUM and every read repair does; and the
 * cells one copy lacks, as a repair computes them.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class RowMergeBenchmark {
  private Row a;
  private Row b;
  private Row plainA;
  private Row plainB;

  @Setup
  public void rows() {
    Map<String, Cell> left = new LinkedHashMap<>();
    Map<String, Cell> right = new LinkedHashMap<>();
    for (int i = 0; i < 8; i++) {
      byte[] value = new byte[200];
      value[0] = (byte) i;
      Timestamp older = new Timestamp(1_000_000 + i, 0, 1);
      Timestamp newer = new Timestamp(1_000_000 + i, 1, 2);
      left.put("field-" + i, Cell.live(value, i % 2 == 0 ? newer : older));
      right.put("field-" + i, Cell.live(value.clone(), i % 2 == 0 ? older : newer));
    }
    a = Row.of(left);
    b = Row.of(right);
    plainA = Row.of(Map.of("value", Cell.live(new byte[200], new Timestamp(2_000_000, 0, 1))));
    plainB = Row.of(Map.of("value", Cell.live(new byte[200], new Timestamp(2_000_001, 0, 2))));
  }

  @Benchmark
  public Row mergeProfileRows() {
    return a.merge(b);
  }

  @Benchmark
  public Row mergePlainValues() {
    return plainA.merge(plainB);
  }

  @Benchmark
  public Row missingFromProfileRow() {
    return a.merge(b).missingFrom(a);
  }
}
