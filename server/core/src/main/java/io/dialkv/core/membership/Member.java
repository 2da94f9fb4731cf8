package io.dialkv.core.membership;

/**
 * One node as the cluster's membership records it. Only the node itself changes its own record,
 * except when a dead node is removed; each change raises the version, and gossip keeps the record
 * with the highest version.
 *
 * @param id the node's id
 * @param address where peers and clients reach it (host:port)
 * @param status its state
 * @param version raised by every change of the record
 */
public record Member(int id, String address, MemberStatus status, long version) {
  public Member {
    if (id < 1) {
      throw new IllegalArgumentException("node id must be a positive integer, got " + id);
    }
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("n" + id + " has no address");
    }
    if (status == null) {
      throw new IllegalArgumentException("n" + id + " has no status");
    }
  }

  /** The same member in a new state, with the next version. */
  public Member to(MemberStatus next) {
    return new Member(id, address, next, version + 1);
  }

  /** Whether gossip keeps this record rather than {@code other} (a record of the same node). */
  boolean supersedes(Member other) {
    if (version != other.version) {
      return version > other.version;
    }
    // Two different changes at one version (two nodes acting at once): settle on the later state
    // everywhere, so that all nodes converge on one record.
    return status.ordinal() > other.status.ordinal()
        || (status == other.status && address.compareTo(other.address) > 0);
  }
}
