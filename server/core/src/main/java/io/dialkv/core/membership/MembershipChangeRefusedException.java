package io.dialkv.core.membership;

/** A join, decommission or removal the cluster refuses in its present state; nothing changed. */
public final class MembershipChangeRefusedException extends RuntimeException {
  public MembershipChangeRefusedException(String message) {
    super(message);
  }
}
