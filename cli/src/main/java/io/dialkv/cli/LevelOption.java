package io.dialkv.cli;

import io.dialkv.proto.v1.Consistency;
import picocli.CommandLine.Option;

/** The consistency level a data command asks for. */
final class LevelOption {
  /** The levels a user may name; the wire enum also holds an "unspecified" value. */
  enum Level {
    ONE,
    QUORUM,
    ALL,
    LINEARIZABLE;

    Consistency toProto() {
      return Consistency.valueOf(name());
    }
  }

  @Option(
      names = {"-c", "--consistency"},
      defaultValue = "QUORUM",
      description = "ONE, QUORUM, ALL or LINEARIZABLE (a Paxos round; default: ${DEFAULT-VALUE}).")
  Level level;

  Consistency proto() {
    return level.toProto();
  }
}
