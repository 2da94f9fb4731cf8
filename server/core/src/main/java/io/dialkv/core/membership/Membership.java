package io.dialkv.core.membership;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The cluster's members, as one node knows them: an immutable map from node id to its latest
 * record. Nodes spread it by gossip; merging keeps each node's highest-versioned record, so any
 * order of merges ends in the same membership. The digest lets two nodes see cheaply whether they
 * agree.
 */
public final class Membership {
  private final SortedMap<Integer, Member> members;
  private final long digest;

  private Membership(SortedMap<Integer, Member> members) {
    this.members = members;
    Hasher h = Hashing.murmur3_128().newHasher();
    members.values().forEach(m -> h.putInt(m.id())
        .putLong(m.version())
        .putInt(m.status().ordinal())
        .putInt(m.address().length())
        .putString(m.address(), StandardCharsets.UTF_8)
        .putInt(m.clientAddress().length())
        .putString(m.clientAddress(), StandardCharsets.UTF_8));
    this.digest = h.hash().asLong();
  }

  /** A membership of exactly these records (one per node). */
  public static Membership of(Collection<Member> records) {
    TreeMap<Integer, Member> byId = new TreeMap<>();
    for (Member m : records) {
      Member previous = byId.put(m.id(), m);
      if (previous != null) {
        throw new IllegalArgumentException("n" + m.id() + " is listed twice");
      }
    }
    return new Membership(byId);
  }

  /** A cluster configured statically: every node normal, at version 0. */
  public static Membership initial(Map<Integer, String> addresses) {
    List<Member> records = new ArrayList<>();
    addresses.forEach((id, address) -> records.add(new Member(id, address, MemberStatus.NORMAL, 0)));
    return of(records);
  }

  /** This membership with what {@code gossip} knows better; {@code this} when nothing changes. */
  public Membership merge(Collection<Member> gossip) {
    TreeMap<Integer, Member> merged = null;
    for (Member theirs : gossip) {
      Member ours = (merged != null ? merged : members).get(theirs.id());
      if (ours == null || theirs.supersedes(ours)) {
        if (merged == null) {
          merged = new TreeMap<>(members);
        }
        merged.put(theirs.id(), theirs);
      }
    }
    return merged == null ? this : new Membership(merged);
  }

  /** This membership with one record replaced (a change made by this node). */
  public Membership with(Member record) {
    TreeMap<Integer, Member> changed = new TreeMap<>(members);
    changed.put(record.id(), record);
    return new Membership(changed);
  }

  public Optional<Member> member(int id) {
    return Optional.ofNullable(members.get(id));
  }

  /** Every record, left members included, by id. */
  public Collection<Member> members() {
    return members.values();
  }

  /** The ids of the members in a state that passes the test. */
  public TreeSet<Integer> ids(Predicate<MemberStatus> status) {
    TreeSet<Integer> ids = new TreeSet<>();
    members.values().stream().filter(m -> status.test(m.status())).forEach(m -> ids.add(m.id()));
    return ids;
  }

  /** The nodes {@code self} talks to: every member that has not left, but itself. */
  public List<Integer> peersOf(int self) {
    List<Integer> peers = new ArrayList<>(ids(s -> s != MemberStatus.LEFT));
    peers.remove(Integer.valueOf(self));
    return peers;
  }

  /** Where other nodes reach each member that has not left (its peer address). */
  public Map<Integer, String> addresses() {
    Map<Integer, String> addresses = new TreeMap<>();
    members.values().stream()
        .filter(m -> m.status() != MemberStatus.LEFT)
        .forEach(m -> addresses.put(m.id(), m.address()));
    return addresses;
  }

  /** A member joining or leaving, if any: the cluster makes one such change at a time. */
  public Optional<Member> changing() {
    return members.values().stream()
        .filter(m -> m.status() == MemberStatus.JOINING || m.status() == MemberStatus.LEAVING)
        .findFirst();
  }

  /** Equal digests mean equal memberships (up to a 64-bit hash collision). */
  public long digest() {
    return digest;
  }

  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    members.values().forEach(m -> s.append(s.length() == 0 ? "" : ", ")
        .append('n').append(m.id()).append(' ').append(m.status().label()).append(" v").append(m.version()));
    return s.toString();
  }
}
