package io.dialkv.harness;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Injects one kind of fault into a cluster and heals it. The harness calls {@link #inject} and
 * {@link #heal} alternately on a schedule (fault for x s, heal for y s, repeat). The same nemesis
 * drives node processes and a simulated cluster ({@link TestCluster}); its choices come only from
 * the random source it is given, so a seed repeats them.
 */
public interface Nemesis {
  /** What {@link #heal} returns when the cluster is whole at once. */
  CompletableFuture<Void> HEALED = CompletableFuture.completedFuture(null);

  List<String> NAMES =
      List.of("none", "partition-halves", "partition-majorities-ring", "bridge", "isolate-node", "kill", "pause",
          "clock-skew", "membership");

  String name();

  /** Injects a fault; returns what it did, for the history and the report. */
  String inject(TestCluster cluster, Random random) throws Exception;

  /**
   * Removes every fault this nemesis injected; the future completes when the cluster is whole again
   * (at once, but for a membership change still under way), or fails with why it is not.
   */
  CompletableFuture<Void> heal(TestCluster cluster) throws Exception;

  static Nemesis byName(String name) {
    return switch (name) {
      case "none" -> new Nemesis() {
        @Override public String name() {
          return "none";
        }

        @Override public String inject(TestCluster cluster, Random random) {
          return "no fault";
        }

        @Override public CompletableFuture<Void> heal(TestCluster cluster) {
          return HEALED;
        }
      };
      case "partition-halves", "partition-majorities-ring", "bridge", "isolate-node" -> new Partition(name);
      case "kill" -> new ProcessFault(true);
      case "pause" -> new ProcessFault(false);
      case "clock-skew" -> new ClockSkew();
      case "membership" -> new MembershipChange();
      default -> throw new IllegalArgumentException(
          "unknown nemesis '" + name + "'; nemeses: " + String.join(", ", NAMES));
    };
  }

  /** Partitions through node-level link rules, in the shapes Jepsen uses. */
  final class Partition implements Nemesis {
    private final String shape;

    Partition(String shape) {
      this.shape = shape;
    }

    @Override
    public String name() {
      return shape;
    }

    /** For each node, the peers it cannot reach. */
    static List<Set<Integer>> cuts(String shape, List<Integer> nodes, Random random) {
      List<Integer> shuffled = new ArrayList<>(nodes);
      Collections.shuffle(shuffled, random);
      int n = shuffled.size();
      List<Set<Integer>> blocked = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        blocked.add(new HashSet<>());
      }
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < n; j++) {
          if (i != j && !connected(shape, i, j, n)) {
            blocked.get(nodes.indexOf(shuffled.get(i))).add(shuffled.get(j));
          }
        }
      }
      return blocked;
    }

    /** Whether positions i and j of the shuffled ring can talk under the shape. */
    private static boolean connected(String shape, int i, int j, int n) {
      switch (shape) {
        case "partition-halves": {
          int half = n / 2; // the first floor(n/2) nodes against the rest
          return (i < half) == (j < half);
        }
        case "isolate-node":
          return i != 0 && j != 0;
        case "bridge": {
          // Two halves that cannot talk, and one node (the middle) that talks to both.
          int middle = n / 2;
          if (i == middle || j == middle) {
            return true;
          }
          return (i < middle) == (j < middle);
        }
        case "partition-majorities-ring": {
          // Each node talks to its neighbours on a ring so that it sees a majority, but no two
          // nodes see the same majority.
          int reach = n / 2;
          int d = Math.abs(i - j);
          return Math.min(d, n - d) <= reach / 2 + (reach % 2);
        }
        default:
          throw new IllegalArgumentException(shape);
      }
    }

    @Override
    public String inject(TestCluster cluster, Random random) {
      List<Integer> nodes = cluster.nodeIds();
      List<Set<Integer>> blocked = cuts(shape, nodes, random);
      StringBuilder what = new StringBuilder(shape).append(":");
      for (int i = 0; i < nodes.size(); i++) {
        cluster.setLinkRules(nodes.get(i), blocked.get(i));
        if (!blocked.get(i).isEmpty()) {
          what.append(" n").append(nodes.get(i)).append("-x-").append(new java.util.TreeSet<>(blocked.get(i)));
        }
      }
      return what.toString();
    }

    @Override
    public CompletableFuture<Void> heal(TestCluster cluster) {
      for (int node : cluster.nodeIds()) {
        cluster.setLinkRules(node, Set.of());
      }
      return HEALED;
    }
  }

  /** SIGKILL and restart, or SIGSTOP and SIGCONT, of one random node at a time. */
  final class ProcessFault implements Nemesis {
    private final boolean kill;
    private final List<Integer> victims = new ArrayList<>();

    ProcessFault(boolean kill) {
      this.kill = kill;
    }

    @Override
    public String name() {
      return kill ? "kill" : "pause";
    }

    @Override
    public String inject(TestCluster cluster, Random random) throws Exception {
      int victim = cluster.nodeIds().get(random.nextInt(cluster.size()));
      if (kill) {
        cluster.kill(victim);
      } else {
        cluster.pause(victim);
      }
      victims.add(victim);
      return (kill ? "kill -9 n" : "pause n") + victim;
    }

    @Override
    public CompletableFuture<Void> heal(TestCluster cluster) throws Exception {
      for (int victim : victims) {
        if (kill) {
          cluster.restart(victim);
        } else {
          cluster.resume(victim);
        }
      }
      victims.clear();
      return HEALED;
    }
  }

  /**
   * Changes the membership while the workload runs: a new node joins (streaming the ranges it
   * takes over), and at the next fault the node that joined is decommissioned (streaming them
   * back), and so on. The change runs during the fault window; healing waits for it to finish.
   */
  final class MembershipChange implements Nemesis {
    private Integer joined;
    private CompletableFuture<Void> change = HEALED;
    private String changing = "";
    private Integer changingNode;

    @Override
    public String name() {
      return "membership";
    }

    /** The node joining or leaving in the current window (null before the first). */
    public Integer changingNode() {
      return changingNode;
    }

    @Override
    public String inject(TestCluster cluster, Random random) throws Exception {
      if (joined == null) {
        TestCluster.Joining node = cluster.addNode();
        joined = node.id();
        changing = "join of n" + node.id();
        changingNode = node.id();
        change = node.joined();
        return "join n" + node.id();
      }
      int leaving = joined;
      joined = null;
      changing = "decommission of n" + leaving;
      changingNode = leaving;
      change = cluster.decommission(leaving);
      return "decommission n" + leaving;
    }

    @Override
    public CompletableFuture<Void> heal(TestCluster cluster) {
      String what = changing;
      return change.handle((ok, failure) -> {
        if (failure != null) {
          Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          throw new IllegalStateException("membership change failed: " + what + ": " + cause.getMessage(), cause);
        }
        return null;
      });
    }
  }

  /**
   * Shifts one random node's wall clock by 100 to 450 ms either way: within the cluster's default
   * maximum clock offset (500 ms), the skew its nodes accept, and so the skew whose effect on
   * last-write-wins a client actually gets. A node skewed further is refused by its peers (a
   * partition of its own; see TrustBoundaryTest).
   */
  final class ClockSkew implements Nemesis {
    private final Set<Integer> skewed = new HashSet<>();

    @Override
    public String name() {
      return "clock-skew";
    }

    @Override
    public String inject(TestCluster cluster, Random random) {
      int node = cluster.nodeIds().get(random.nextInt(cluster.size()));
      long skew = (random.nextBoolean() ? 1 : -1) * (100 + random.nextInt(351));
      cluster.setClockSkew(node, skew);
      skewed.add(node);
      return "clock n" + node + " " + (skew > 0 ? "+" : "") + skew + " ms";
    }

    @Override
    public CompletableFuture<Void> heal(TestCluster cluster) {
      for (int node : skewed) {
        cluster.setClockSkew(node, 0);
      }
      skewed.clear();
      return HEALED;
    }
  }
}
