package io.dialkv.core.node;

import io.dialkv.core.admission.AdmissionControl;
import io.dialkv.core.data.RequestLimits;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * How one node is set up. Every node of a new cluster must be given the same members, replication
 * factor and virtual node count, since each computes the ring from them; members that join later
 * spread by gossip.
 *
 * @param nodeId this node's id (a positive integer)
 * @param members every node's id and advertised peer address (where other nodes reach it), this
 *     node's included
 * @param clientAddress where clients reach this node (host:port), as it tells the cluster
 * @param replicationFactor replicas per key
 * @param virtualNodes tokens per node
 * @param readTimeout how long a coordinator waits for replicas on a read
 * @param writeTimeout how long a coordinator waits for acks on a write before calling it
 *     indeterminate
 * @param heartbeatInterval how often nodes heartbeat each other
 * @param phiThreshold failure detector suspicion above which a peer counts as down
 * @param maxClockOffset how far ahead of this node's wall clock a timestamp it accepts may be
 * @param limits key, value and row size limits
 * @param healing hinted handoff and asynchronous read repair settings
 * @param admission how many client requests the node coordinates at once (see
 *     {@link AdmissionControl})
 */
public record NodeConfig(
    int nodeId,
    Map<Integer, String> members,
    String clientAddress,
    int replicationFactor,
    int virtualNodes,
    Duration readTimeout,
    Duration writeTimeout,
    Duration heartbeatInterval,
    double phiThreshold,
    Duration maxClockOffset,
    RequestLimits limits,
    Healing healing,
    AdmissionControl.Settings admission) {

  /**
   * How a node heals replicas that missed writes.
   *
   * @param hintWindow how long hints are kept for a replica that stays down (Cassandra's
   *     max_hint_window)
   * @param maxHintsPerNode the most hints pending for one replica; 0 turns hinted handoff off
   * @param readRepairChance the share of reads at ONE followed by an asynchronous read repair
   * @param repairInterval how often the node runs anti-entropy repair of its ranges by itself
   *     ({@link Duration#ZERO}: only on demand)
   * @param tombstoneGrace how long deletion markers are kept at least; after that they are purged
   *     from ranges repaired since they were written. At least the hint window: a hint replayed
   *     after its tombstone was purged would bring the deleted value back.
   */
  public record Healing(
      Duration hintWindow,
      long maxHintsPerNode,
      double readRepairChance,
      Duration repairInterval,
      Duration tombstoneGrace) {
    public static final Duration DEFAULT_TOMBSTONE_GRACE = Duration.ofDays(10);
    public static final Duration DEFAULT_HINT_WINDOW = Duration.ofHours(3);
    public static final long DEFAULT_MAX_HINTS_PER_NODE = 1_000_000;
    public static final double DEFAULT_READ_REPAIR_CHANCE = 0.1;

    public Healing {
      requirePositive(hintWindow, "hint window");
      if (maxHintsPerNode < 0) {
        throw new IllegalArgumentException("max hints per node must not be negative, got " + maxHintsPerNode);
      }
      if (!(readRepairChance >= 0 && readRepairChance <= 1)) {
        throw new IllegalArgumentException("read repair chance must be between 0 and 1, got " + readRepairChance);
      }
      if (repairInterval == null || repairInterval.isNegative()) {
        throw new IllegalArgumentException("repair interval must be zero (off) or positive");
      }
      requirePositive(tombstoneGrace, "tombstone grace");
      if (tombstoneGrace.compareTo(hintWindow) < 0) {
        throw new IllegalArgumentException(
            "tombstone grace (" + tombstoneGrace + ") must be at least the hint window (" + hintWindow
                + "): a hint replayed after its tombstone is purged would bring the deleted value back");
      }
    }

    /** These settings without hints, read repair or scheduled repair: only on-demand repair heals. */
    public static Healing off() {
      return new Healing(DEFAULT_HINT_WINDOW, 0, 0.0, Duration.ZERO, DEFAULT_TOMBSTONE_GRACE);
    }

    public static Healing defaults() {
      return new Healing(
          DEFAULT_HINT_WINDOW,
          DEFAULT_MAX_HINTS_PER_NODE,
          DEFAULT_READ_REPAIR_CHANCE,
          Duration.ZERO,
          DEFAULT_TOMBSTONE_GRACE);
    }
  }

  public static final int DEFAULT_REPLICATION_FACTOR = 3;
  public static final int DEFAULT_VIRTUAL_NODES = 64;
  public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_WRITE_TIMEOUT = Duration.ofSeconds(2);
  public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(250);
  public static final double DEFAULT_PHI_THRESHOLD = 8.0;
  public static final Duration DEFAULT_MAX_CLOCK_OFFSET = Duration.ofMillis(500);

  public NodeConfig {
    members = Map.copyOf(new TreeMap<>(members));
    if (nodeId < 1) {
      throw new IllegalArgumentException("node id must be a positive integer, got " + nodeId);
    }
    if (!members.containsKey(nodeId)) {
      throw new IllegalArgumentException(
          "node id " + nodeId + " is not among the members " + new TreeMap<>(members).keySet());
    }
    if (replicationFactor < 1 || replicationFactor > members.size()) {
      throw new IllegalArgumentException(
          "replication factor "
              + replicationFactor
              + " needs at least that many nodes; "
              + members.size()
              + " configured");
    }
    if (virtualNodes < 1 || virtualNodes > 4096) {
      throw new IllegalArgumentException("virtual nodes must be between 1 and 4096");
    }
    requirePositive(readTimeout, "read timeout");
    requirePositive(writeTimeout, "write timeout");
    requirePositive(heartbeatInterval, "heartbeat interval");
    requirePositive(maxClockOffset, "maximum clock offset");
    if (admission == null) {
      throw new IllegalArgumentException("n" + nodeId + " needs admission settings");
    }
    if (clientAddress == null || clientAddress.isBlank()) {
      throw new IllegalArgumentException("n" + nodeId + " needs a client address");
    }
  }

  /**
   * A configuration with every default, for the given node and members; clients reach each node at
   * its peer address with "client:" in front (enough for clusters that are not on a network).
   */
  public static NodeConfig defaults(int nodeId, Map<Integer, String> members) {
    return new NodeConfig(
        nodeId,
        members,
        "client:" + members.get(nodeId),
        Math.min(DEFAULT_REPLICATION_FACTOR, members.size()),
        DEFAULT_VIRTUAL_NODES,
        DEFAULT_READ_TIMEOUT,
        DEFAULT_WRITE_TIMEOUT,
        DEFAULT_HEARTBEAT_INTERVAL,
        DEFAULT_PHI_THRESHOLD,
        DEFAULT_MAX_CLOCK_OFFSET,
        RequestLimits.defaults(),
        Healing.defaults(),
        AdmissionControl.Settings.defaults());
  }

  public NodeConfig withReplicationFactor(int rf) {
    return new NodeConfig(nodeId, members, clientAddress, rf, virtualNodes, readTimeout, writeTimeout,
        heartbeatInterval, phiThreshold, maxClockOffset, limits, healing, admission);
  }

  /** The same settings for another member (its client address follows the default scheme). */
  public NodeConfig withNodeId(int id) {
    return new NodeConfig(id, members, "client:" + members.get(id), replicationFactor, virtualNodes, readTimeout,
        writeTimeout, heartbeatInterval, phiThreshold, maxClockOffset, limits, healing, admission);
  }

  public NodeConfig withMembers(Map<Integer, String> members) {
    return new NodeConfig(nodeId, members, clientAddress, replicationFactor, virtualNodes, readTimeout,
        writeTimeout, heartbeatInterval, phiThreshold, maxClockOffset, limits, healing, admission);
  }

  public NodeConfig withHealing(Healing healing) {
    return new NodeConfig(nodeId, members, clientAddress, replicationFactor, virtualNodes, readTimeout,
        writeTimeout, heartbeatInterval, phiThreshold, maxClockOffset, limits, healing, admission);
  }

  public NodeConfig withMaxClockOffset(Duration maxClockOffset) {
    return new NodeConfig(nodeId, members, clientAddress, replicationFactor, virtualNodes, readTimeout,
        writeTimeout, heartbeatInterval, phiThreshold, maxClockOffset, limits, healing, admission);
  }

  public NodeConfig withLimits(RequestLimits limits) {
    return new NodeConfig(nodeId, members, clientAddress, replicationFactor, virtualNodes, readTimeout,
        writeTimeout, heartbeatInterval, phiThreshold, maxClockOffset, limits, healing, admission);
  }

  public NodeConfig withAdmission(AdmissionControl.Settings admission) {
    return new NodeConfig(nodeId, members, clientAddress, replicationFactor, virtualNodes, readTimeout,
        writeTimeout, heartbeatInterval, phiThreshold, maxClockOffset, limits, healing, admission);
  }

  private static void requirePositive(Duration d, String what) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive");
    }
  }
}
