package io.dialkv.core.repair;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import io.dialkv.core.data.Cell;
import io.dialkv.core.data.Row;
import io.dialkv.core.time.Timestamp;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The digest side of anti-entropy repair. Each token range is split into {@link #LEAVES} leaves by
 * key hash; a leaf's hash is the sum of the digests of its rows, so it does not depend on the order
 * rows are visited in, and two replicas holding the same rows — cells, values, timestamps,
 * tombstones — get the same leaves. The leaves are the bottom of a Merkle tree whose root
 * ({@link #root}) tells at once whether a whole range agrees (Dynamo paper, section 4.7; Cassandra
 * builds its trees the same way, per range).
 */
public final class MerkleLeaves {
  public static final int LEAVES = 64;

  private MerkleLeaves() {}

  /** The leaf a key falls in, within its range. */
  public static int leafOf(String key) {
    long h = Hashing.murmur3_128(0x6d65726b).hashString(key, StandardCharsets.UTF_8).asLong();
    return (int) Long.remainderUnsigned(h, LEAVES);
  }

  /** A digest of everything a replica holds for the key. */
  public static long digest(String key, Row row) {
    Hasher h = Hashing.murmur3_128().newHasher();
    h.putString(key, StandardCharsets.UTF_8);
    put(h, row.deletedAt());
    for (Map.Entry<String, Cell> e : row.cells().entrySet()) {
      Cell cell = e.getValue();
      h.putString(e.getKey(), StandardCharsets.UTF_8);
      h.putBoolean(cell.isTombstone());
      if (!cell.isTombstone()) {
        h.putInt(cell.valueUnsafe().length).putBytes(cell.valueUnsafe());
      }
      put(h, cell.timestamp());
    }
    return h.hash().asLong();
  }

  private static void put(Hasher h, Timestamp t) {
    if (t == null) {
      h.putByte((byte) 0);
    } else {
      h.putByte((byte) 1).putLong(t.physicalMillis()).putInt(t.logical()).putInt(t.nodeId());
    }
  }

  /** The root of the tree over the leaves: pairs hashed level by level. */
  public static long root(long[] leaves) {
    long[] level = leaves.clone();
    for (int n = level.length; n > 1; n /= 2) {
      for (int i = 0; i < n / 2; i++) {
        level[i] = Hashing.murmur3_128().newHasher().putLong(level[2 * i]).putLong(level[2 * i + 1]).hash().asLong();
      }
    }
    return level[0];
  }
}
