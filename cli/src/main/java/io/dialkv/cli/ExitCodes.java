package io.dialkv.cli;

import io.dialkv.client.DialException;

/** What the dialkv command's exit status means. */
public final class ExitCodes {
  public static final int OK = 0;
  /** A failure that is neither bad usage nor unavailability. */
  static final int FAILURE = 1;
  /** Bad command line or a request the server rejected as invalid. */
  static final int USAGE = 2;
  /** Too few replicas alive, or no node reachable: nothing happened; retry later. */
  static final int UNAVAILABLE = 3;
  /** Timed out: a write may or may not have been applied. */
  static final int INDETERMINATE = 4;
  /** A membership change the cluster refused in its present state; nothing changed. */
  static final int REFUSED = 5;
  /** Not allowed: no or an unknown credential, or a role that does not allow it; nothing was done. */
  static final int DENIED = 6;

  private ExitCodes() {}

  static int of(DialException e) {
    return switch (e.kind()) {
      case INVALID_ARGUMENT -> USAGE;
      case UNAVAILABLE, NO_ENDPOINT, READ_FAILED, CONTENTION, OVERLOADED -> UNAVAILABLE;
      case INDETERMINATE, DEADLINE -> INDETERMINATE;
      case REFUSED -> REFUSED;
      case DENIED -> DENIED;
      case OTHER -> FAILURE;
    };
  }

  public static final String HELP =
      "Exit status: 0 ok; 1 other failure; 2 usage error or invalid request; "
          + "3 unavailable (too few replicas alive, or no node reachable; nothing was done); "
          + "4 timed out (a write may or may not have been applied); "
          + "5 membership change refused (the reason is printed; nothing changed); "
          + "6 not allowed (no or an unknown credential, or a role without the right; nothing was done).";
}
