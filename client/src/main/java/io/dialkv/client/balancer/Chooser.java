package io.dialkv.client.balancer;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** Chooses one node among candidates, on any thread. Candidates are never empty. */
interface Chooser {
  Backend choose(List<Backend> candidates, Route route);

  static Chooser of(BalancerPolicy.Choice choice, String clientId) {
    return switch (choice) {
      case ROUND_ROBIN -> new RoundRobin();
      case LEAST_CONNECTIONS -> new LeastConnections();
      case POWER_OF_TWO -> new PowerOfTwo();
      case IP_HASH -> new RendezvousHash(clientId);
    };
  }

  /** Each request to the next candidate. */
  final class RoundRobin implements Chooser {
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Backend choose(List<Backend> candidates, Route route) {
      return candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size()));
    }
  }

  /**
   * The candidate with the fewest requests in flight. The scan starts at a rotating offset so that
   * ties (an idle cluster) spread in turn instead of all landing on the first node.
   */
  final class LeastConnections implements Chooser {
    private final AtomicInteger offset = new AtomicInteger();

    @Override
    public Backend choose(List<Backend> candidates, Route route) {
      int n = candidates.size();
      int start = Math.floorMod(offset.getAndIncrement(), n);
      Backend best = null;
      int bestLoad = Integer.MAX_VALUE;
      for (int i = 0; i < n; i++) {
        Backend b = candidates.get((start + i) % n);
        int load = b.inFlight();
        if (load < bestLoad) {
          best = b;
          bestLoad = load;
        }
      }
      return best;
    }
  }

  /**
   * Two candidates at random, the one with fewer requests in flight: nearly as good as scanning
   * every node, and when many clients choose at once they do not all pile onto the same idlest
   * one.
   */
  final class PowerOfTwo implements Chooser {
    @Override
    public Backend choose(List<Backend> candidates, Route route) {
      int n = candidates.size();
      if (n == 1) {
        return candidates.get(0);
      }
      java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
      int a = random.nextInt(n);
      int b = (a + 1 + random.nextInt(n - 1)) % n;
      Backend first = candidates.get(a);
      Backend second = candidates.get(b);
      return second.inFlight() < first.inFlight() ? second : first;
    }
  }

  /** Sticky by client id; see {@link Rendezvous}. */
  final class RendezvousHash implements Chooser {
    private final long clientHash;

    RendezvousHash(String clientId) {
      this.clientHash = Rendezvous.hash(clientId);
    }

    @Override
    public Backend choose(List<Backend> candidates, Route route) {
      long id = route != null && route.stickyId() != null ? Rendezvous.hash(route.stickyId()) : clientHash;
      Backend best = null;
      long bestScore = 0;
      for (Backend b : candidates) {
        long score = Rendezvous.score(id, b.hashSeed());
        if (best == null || Long.compareUnsigned(score, bestScore) > 0) {
          best = b;
          bestScore = score;
        }
      }
      return best;
    }
  }
}
