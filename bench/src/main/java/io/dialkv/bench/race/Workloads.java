package io.dialkv.bench.race;

import java.util.List;

/**
 * The race's workloads, named as the rows of the table. Every store maps each to its nearest
 * equivalent: a plain write and read at a majority and at one replica, a linearizable write and
 * read, and a compare-and-set that inserts a fresh key only if it is absent.
 */
final class Workloads {
  static final String WRITE_QUORUM = "write-quorum";
  static final String READ_QUORUM = "read-quorum";
  static final String READ_ONE = "read-one";
  static final String WRITE_LINEARIZABLE = "write-linearizable";
  static final String READ_LINEARIZABLE = "read-linearizable";
  static final String CAS = "cas";
  static final String ECHO = "echo";

  static final List<String> ROWS =
      List.of(WRITE_QUORUM, READ_QUORUM, READ_ONE, WRITE_LINEARIZABLE, READ_LINEARIZABLE, CAS);

  static String label(String workload) {
    return switch (workload) {
      case WRITE_QUORUM -> "write at QUORUM";
      case READ_QUORUM -> "read at QUORUM";
      case READ_ONE -> "read at ONE";
      case WRITE_LINEARIZABLE -> "LINEARIZABLE write";
      case READ_LINEARIZABLE -> "LINEARIZABLE read";
      case CAS -> "compare-and-set (insert if absent)";
      default -> workload;
    };
  }

  private Workloads() {}
}
