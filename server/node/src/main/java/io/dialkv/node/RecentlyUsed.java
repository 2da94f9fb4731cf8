package io.dialkv.node;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Optional;

/**
 * The encoded values storage last read or wrote under recently used keys, in a fixed budget of
 * memory; a key known to hold nothing is remembered too.
 *
 * <p>The entries live in one array of bytes written as a ring: a new entry goes at the head, over
 * the oldest, so the oldest entries leave first (a key written again is appended again; a key only
 * read leaves after a lap and comes back with its next read). An index of slots, grouped in
 * buckets of eight, points into the ring; a slot whose entry the head has passed over is free.
 *
 * <p>Why not a map of objects: an entry lives for seconds to minutes, long enough to survive young
 * collections, and with a map every key a node touches for the first time becomes small objects the
 * collector copies. Measured with a 64 MB {@code LinkedHashMap} under compare-and-set on fresh keys:
 * young pauses of 40 ms instead of 5, and 16-19% fewer operations. Here the memory is three arrays
 * allocated once and never scanned for references; a lookup allocates only the copy it returns.
 *
 * <p>Not thread-safe: storage is used from its node's event loop only.
 */
final class RecentlyUsed {
  private static final int BUCKET = 8;
  // Before each entry: the key's length and the value's (NOTHING: the key holds nothing).
  private static final int HEADER = 8;
  private static final int NOTHING = -1;
  // One entry may take at most this share of the ring: a few large rows must not push out
  // thousands of small ones.
  private static final int LARGEST_SHARE = 64;
  // The index has one slot per this many bytes of ring: rows of user profiles are a few hundred
  // bytes, and a full bucket only makes its oldest entry leave early.
  private static final int RING_BYTES_PER_SLOT = 128;
  // What a slot costs: its position and its key's hash.
  private static final int SLOT_BYTES = Long.BYTES + Integer.BYTES;
  /** The largest budget taken; above it the rest is left to the operating system's page cache. */
  static final long MAX_BUDGET = 1L << 30;
  private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private final byte[] ring;
  private final long[] positions; // per slot: 1 + the entry's position in the ring's history, or 0
  private final int[] hashes; // per slot: its key's hash
  private final int bucketMask;
  private long head; // bytes ever appended to the ring, the gaps at its end included

  /** @param budget bytes of memory to take, roughly; 0 (or too little to be of use) remembers nothing */
  RecentlyUsed(long budget) {
    long usable = Math.min(Math.max(budget, 0), MAX_BUDGET);
    // Buckets are a power of two; the ring takes what they leave.
    long buckets = Long.highestOneBit(Math.max(1, usable / (BUCKET * (RING_BYTES_PER_SLOT + SLOT_BYTES))));
    int ringBytes = (int) (usable - buckets * BUCKET * SLOT_BYTES);
    if (ringBytes < LARGEST_SHARE * 64) {
      buckets = 0;
      ringBytes = 0;
    }
    this.ring = new byte[ringBytes];
    this.positions = new long[(int) buckets * BUCKET];
    this.hashes = new int[(int) buckets * BUCKET];
    this.bucketMask = (int) buckets - 1;
  }

  /**
   * What the key holds if it is remembered: its encoding, or an empty optional if it is known to
   * hold nothing; null if not remembered.
   */
  Optional<byte[]> get(byte[] key) {
    int slot = find(key, hash(key));
    if (slot < 0) {
      return null;
    }
    int at = offset(positions[slot] - 1);
    int valueLength = (int) INT.get(ring, at + Integer.BYTES);
    if (valueLength == NOTHING) {
      return Optional.empty();
    }
    int from = at + HEADER + key.length;
    return Optional.of(Arrays.copyOfRange(ring, from, from + valueLength));
  }

  /** Remembers what the key now holds: its encoding, or {@code null} for nothing. */
  void put(byte[] key, byte[] value) {
    int hash = hash(key);
    int length = HEADER + key.length + (value == null ? 0 : value.length);
    if (ring.length == 0 || length > ring.length / LARGEST_SHARE) {
      forget(key, hash);
      return;
    }
    int slot = slotFor(key, hash);
    if (offset(head) + length > ring.length) {
      head += ring.length - offset(head); // entries do not wrap: skip the ring's last few bytes
    }
    long position = head;
    head += length; // first, so that what the entry overwrites is invalid before it is changed
    int at = offset(position);
    INT.set(ring, at, key.length);
    INT.set(ring, at + Integer.BYTES, value == null ? NOTHING : value.length);
    System.arraycopy(key, 0, ring, at + HEADER, key.length);
    if (value != null) {
      System.arraycopy(value, 0, ring, at + HEADER + key.length, value.length);
    }
    positions[slot] = position + 1;
    hashes[slot] = hash;
  }

  /** Forgets the key: the next read goes to the disk. */
  void forget(byte[] key) {
    forget(key, hash(key));
  }

  private void forget(byte[] key, int hash) {
    int slot = find(key, hash);
    if (slot >= 0) {
      positions[slot] = 0;
    }
  }

  /** Bytes of memory taken, index included: at most the budget, fixed from the start. */
  long memoryBytes() {
    return ring.length + (long) positions.length * SLOT_BYTES;
  }

  /** The slot holding the key, or -1. */
  private int find(byte[] key, int hash) {
    if (ring.length == 0) {
      return -1;
    }
    int first = (hash & bucketMask) * BUCKET;
    for (int slot = first; slot < first + BUCKET; slot++) {
      if (hashes[slot] == hash && live(slot) && holds(slot, key)) {
        return slot;
      }
    }
    return -1;
  }

  /** The slot the key's new entry goes in: its own, else a free one, else the bucket's oldest. */
  private int slotFor(byte[] key, int hash) {
    int first = (hash & bucketMask) * BUCKET;
    int free = -1;
    int oldest = first;
    for (int slot = first; slot < first + BUCKET; slot++) {
      if (!live(slot)) {
        free = free < 0 ? slot : free;
      } else if (hashes[slot] == hash && holds(slot, key)) {
        return slot;
      } else if (positions[slot] < positions[oldest]) {
        oldest = slot;
      }
    }
    return free >= 0 ? free : oldest;
  }

  /** Whether the slot points at an entry the head has not yet written over. */
  private boolean live(int slot) {
    long stored = positions[slot];
    return stored != 0 && stored - 1 >= head - ring.length;
  }

  private boolean holds(int slot, byte[] key) {
    int at = offset(positions[slot] - 1);
    int keyLength = (int) INT.get(ring, at);
    return keyLength == key.length && Arrays.equals(ring, at + HEADER, at + HEADER + keyLength, key, 0, key.length);
  }

  private int offset(long position) {
    return (int) (position % ring.length);
  }

  private static int hash(byte[] key) {
    int h = Arrays.hashCode(key); // then spread, so that the low bits choosing a bucket vary
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }
}
