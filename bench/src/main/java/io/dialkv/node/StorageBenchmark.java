package io.dialkv.node;

import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Row;
import io.dialkv.core.paxos.PaxosState;
import io.dialkv.core.paxos.Proposal;
import io.dialkv.core.time.Timestamp;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a replica's RocksDB storage costs per call, on 10,000 keys of 200-byte rows (the data fits
 * in memory, as in the race): a row read and write, as every QUORUM write does once each; the
 * Paxos state read and write an acceptor does at each of prepare, propose and commit. With and
 * without the memory of recently used rows and Paxos states kept beside RocksDB ({@code cacheMb}).
 *
 * <p>{@link #replicaWrite} is a QUORUM write's storage work on a key chosen at random, as the
 * race's clients choose them: whether the cache holds the working set shows there (for the race's
 * 100,000 keys: {@code -p keys=100000 -p cacheMb=64,256 StorageBenchmark.replicaWrite}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class StorageBenchmark {
  @Param({"10000"})
  public int keys;

  @Param({"0", "64"})
  public int cacheMb;

  private Path directory;
  private RocksDbStorage storage;
  private String[] names;
  private final SplittableRandom random = new SplittableRandom(1);
  private Row row;
  private PaxosState state;
  private int next;

  @Setup(Level.Trial)
  public void open() throws IOException {
    directory = Files.createTempDirectory("dialkv-storage-bench");
    storage = RocksDbStorage.open(directory, false, (long) cacheMb << 20);
    names = new String[keys];
    Timestamp at = new Timestamp(1_700_000_000_000L, 0, 1);
    row = Row.of(Map.of("value", Cell.live(new byte[200], at)));
    Proposal proposal = new Proposal(at, row);
    state = new PaxosState(at, proposal, proposal);
    for (int i = 0; i < keys; i++) {
      names[i] = "user:" + i;
      storage.put(names[i], row);
      storage.putPaxos(names[i], state);
    }
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    storage.close();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private String key() {
    next = (next + 7919) % keys;
    return names[next];
  }

  @Benchmark
  public Object getRow() {
    return storage.get(key());
  }

  @Benchmark
  public void putRow() {
    storage.put(key(), row);
  }

  /** A replica's part of a QUORUM write: read the row to merge into, store the merge. */
  @Benchmark
  public void replicaWrite() {
    String key = names[random.nextInt(keys)];
    storage.get(key);
    storage.put(key, row);
  }

  /**
   * A read of a key never written, as a compare-and-set on a fresh key makes: the cache cannot
   * know it, so RocksDB searches its tables.
   */
  @Benchmark
  public Object getAbsent() {
    return storage.get("absent:" + random.nextInt(keys));
  }

  @Benchmark
  public Object getPaxos() {
    return storage.getPaxos(key());
  }

  @Benchmark
  public void putPaxos() {
    storage.putPaxos(key(), state);
  }
}
