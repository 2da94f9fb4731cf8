package io.dialkv.security;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a client may do. Each role includes the ones below it: {@code admin} may do everything
 * {@code readwrite} may, which may do everything {@code read} may.
 */
public enum Role {
  /** Reads of keys and profiles at any level, and the cluster's topology (what a balancer needs). */
  READ,
  /** Also writes: puts, deletes, compare-and-set, profile updates. */
  READWRITE,
  /** Also membership changes, repair, hints, and the fault-injection API of a node in test mode. */
  ADMIN;

  /** Whether a caller with this role may do what needs {@code needed}. */
  public boolean includes(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** The name used in certificates, token files and messages: read, readwrite, admin. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role of that name (read, readwrite, admin; case ignored). */
  public static Role parse(String name) {
    for (Role r : values()) {
      if (r.label().equalsIgnoreCase(name == null ? "" : name.trim())) {
        return r;
      }
    }
    throw new IllegalArgumentException("unknown role '" + name + "'; roles are "
        + String.join(", ", Arrays.stream(values()).map(Role::label).toList()));
  }
}
