package io.dialkv.core.membership;

/**
 * One node as the cluster's membership records it. Only the node itself changes its own record,
 * except when a dead node is removed; each change raises the version, and gossip keeps the record
 * with the highest version.
 *
 * @param id the node's id
 * @param address where other nodes reach it (its peer port, host:port)
 * @param clientAddress where clients reach it (its client port, host:port); empty until the node
 *     itself has said (a member configured by another node's {@code --peers})
 * @param status its state
 * @param version raised by every change of the record
 */
public record Member(int id, String address, String clientAddress, MemberStatus status, long version) {
  /** Longest address accepted from gossip. */
  public static final int MAX_ADDRESS_LENGTH = 255;

  public Member {
    if (id < 1) {
      throw new IllegalArgumentException("node id must be a positive integer, got " + id);
    }
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException("n" + id + " has no address");
    }
    if (clientAddress == null) {
      throw new IllegalArgumentException("n" + id + " has no client address (empty for unknown)");
    }
    if (address.length() > MAX_ADDRESS_LENGTH || clientAddress.length() > MAX_ADDRESS_LENGTH) {
      throw new IllegalArgumentException("n" + id + " has an address longer than " + MAX_ADDRESS_LENGTH + " characters");
    }
    if (status == null) {
      throw new IllegalArgumentException("n" + id + " has no status");
    }
    if (version < 0) {
      throw new IllegalArgumentException("n" + id + " has a negative version");
    }
  }

  /** A member known only by its peer address (its client address not yet heard). */
  public Member(int id, String address, MemberStatus status, long version) {
    this(id, address, "", status, version);
  }

  /** The same member in a new state, with the next version. */
  public Member to(MemberStatus next) {
    return new Member(id, address, clientAddress, next, version + 1);
  }

  /** The same member at these addresses, with the next version. */
  public Member at(String peerAddress, String client) {
    return new Member(id, peerAddress, client, status, version + 1);
  }

  /** Whether gossip keeps this record rather than {@code other} (a record of the same node). */
  boolean supersedes(Member other) {
    if (version != other.version) {
      return version > other.version;
    }
    // Two different changes at one version (two nodes acting at once): settle on the later state
    // everywhere, so that all nodes converge on one record.
    if (status != other.status) {
      return status.ordinal() > other.status.ordinal();
    }
    int byAddress = address.compareTo(other.address);
    return byAddress != 0 ? byAddress > 0 : clientAddress.compareTo(other.clientAddress) > 0;
  }
}
