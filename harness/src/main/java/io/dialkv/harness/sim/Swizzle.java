package io.dialkv.harness.sim;

import io.dialkv.core.sim.SimWorld;
import io.dialkv.harness.Nemesis;
import io.dialkv.harness.TestCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * FoundationDB's "swizzle-clogging": a random set of nodes is cut off one at a time, at even steps
 * across the fault window, and healed again one at a time in another random order. The cluster
 * passes through many partition shapes in one window, several minorities and majorities forming
 * and dissolving while requests are in flight, which a one-shot partition never shows.
 */
final class Swizzle implements Nemesis {
  private final SimWorld world;
  private final Duration fault;
  private final Duration heal;
  private final List<Integer> cutOff = new ArrayList<>();
  private Random random;
  /** Bumped at each heal, so a step scheduled by an earlier window does nothing. */
  private int window;

  Swizzle(SimWorld world, Duration fault, Duration heal) {
    this.world = world;
    this.fault = fault;
    this.heal = heal;
  }

  @Override
  public String name() {
    return "swizzle";
  }

  @Override
  public String inject(TestCluster cluster, Random random) {
    this.random = random;
    List<Integer> nodes = new ArrayList<>(cluster.nodeIds());
    Collections.shuffle(nodes, random);
    List<Integer> chosen = nodes.subList(0, 1 + random.nextInt(nodes.size() - 1));
    Duration step = fault.dividedBy(chosen.size() + 1);
    int thisWindow = window;
    for (int i = 0; i < chosen.size(); i++) {
      int node = chosen.get(i);
      world.after(step.multipliedBy(i), () -> {
        if (window == thisWindow && cluster.nodeIds().contains(node)) {
          cluster.setLinkRules(node, cluster.nodeIds().stream().filter(n -> n != node).toList());
          cutOff.add(node);
        }
      });
    }
    return "swizzle: cut off " + chosen.stream().map(n -> "n" + n).toList() + " one by one, every "
        + step.toMillis() + " ms";
  }

  @Override
  public CompletableFuture<Void> heal(TestCluster cluster) {
    window++;
    List<Integer> order = new ArrayList<>(cutOff);
    cutOff.clear();
    if (order.isEmpty()) {
      return HEALED;
    }
    Collections.shuffle(order, random);
    Duration step = heal.dividedBy(order.size() + 1);
    CompletableFuture<Void> whole = new CompletableFuture<>();
    for (int i = 0; i < order.size(); i++) {
      int node = order.get(i);
      boolean last = i == order.size() - 1;
      world.after(step.multipliedBy(i), () -> {
        cluster.setLinkRules(node, Set.of());
        if (last) {
          whole.complete(null);
        }
      });
    }
    return whole;
  }
}
