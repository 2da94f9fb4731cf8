package io.dialkv.client.balancer;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The dialkv load-balancing policy's configuration, as it travels in a gRPC service config:
 * {@code {"loadBalancingConfig": [{"dialkv": {"policy": "token-aware", "clientId": "…",
 * "ejectAfterFailures": 5, "baseEjectionMillis": 1000, "maxEjectionMillis": 30000}}]}}.
 *
 * @param policy how a node is chosen for each request
 * @param clientId the id ip-hash keeps sticky to one node
 * @param ejectAfterFailures consecutive failures of requests to one node that eject it
 * @param baseEjection how long a first ejection lasts; each further ejection doubles it
 * @param maxEjection the longest ejection
 * @param limitInFlight whether this client bounds the requests it has in flight at each node by the
 *     latency it sees there, holding back (and failing at once) what would only queue; see
 *     {@link io.dialkv.core.admission.LatencyLimit}
 */
public record BalancerConfig(
    BalancerPolicy policy,
    String clientId,
    int ejectAfterFailures,
    Duration baseEjection,
    Duration maxEjection,
    boolean limitInFlight) {

  public BalancerConfig {
    if (ejectAfterFailures < 1) {
      throw new IllegalArgumentException("ejectAfterFailures must be at least 1");
    }
    if (baseEjection.isNegative() || baseEjection.isZero() || maxEjection.compareTo(baseEjection) < 0) {
      throw new IllegalArgumentException("ejection times must be positive, the maximum at least the base");
    }
  }

  /** The default policy, with the given client id. */
  public static BalancerConfig defaults(String clientId) {
    return new BalancerConfig(
        BalancerPolicy.DEFAULT, clientId, 5, Duration.ofSeconds(1), Duration.ofSeconds(30), true);
  }

  public BalancerConfig withPolicy(BalancerPolicy policy) {
    return new BalancerConfig(policy, clientId, ejectAfterFailures, baseEjection, maxEjection, limitInFlight);
  }

  public BalancerConfig withLimitInFlight(boolean limit) {
    return new BalancerConfig(policy, clientId, ejectAfterFailures, baseEjection, maxEjection, limit);
  }

  /** This configuration as the default service config of a channel. */
  public Map<String, ?> toServiceConfig() {
    Map<String, Object> own = new LinkedHashMap<>();
    own.put("policy", policy.label());
    own.put("clientId", clientId);
    // gRPC's service-config parser reads every JSON number as a double.
    own.put("ejectAfterFailures", (double) ejectAfterFailures);
    own.put("baseEjectionMillis", (double) baseEjection.toMillis());
    own.put("maxEjectionMillis", (double) maxEjection.toMillis());
    own.put("limitInFlight", limitInFlight);
    return Map.of(
        "loadBalancingConfig", List.of(Map.of(DialLoadBalancerProvider.POLICY_NAME, own)));
  }

  /** Reads the policy's part of a service config; unknown or badly typed values are errors. */
  static BalancerConfig fromJson(Map<String, ?> json) {
    BalancerConfig config = defaults("dialkv-client");
    BalancerPolicy policy = config.policy();
    String clientId = config.clientId();
    int eject = config.ejectAfterFailures();
    Duration base = config.baseEjection();
    Duration max = config.maxEjection();
    boolean limit = config.limitInFlight();
    for (Map.Entry<String, ?> e : json.entrySet()) {
      Object v = e.getValue();
      switch (e.getKey()) {
        case "policy" -> policy = BalancerPolicy.parse(string(e.getKey(), v));
        case "clientId" -> clientId = string(e.getKey(), v);
        case "ejectAfterFailures" -> eject = (int) number(e.getKey(), v);
        case "baseEjectionMillis" -> base = Duration.ofMillis(number(e.getKey(), v));
        case "maxEjectionMillis" -> max = Duration.ofMillis(number(e.getKey(), v));
        case "limitInFlight" -> limit = bool(e.getKey(), v);
        default -> throw new IllegalArgumentException("unknown dialkv balancer setting '" + e.getKey() + "'");
      }
    }
    return new BalancerConfig(policy, clientId, eject, base, max, limit);
  }

  private static String string(String name, Object v) {
    if (!(v instanceof String s)) {
      throw new IllegalArgumentException(name + " must be a string");
    }
    return s;
  }

  private static boolean bool(String name, Object v) {
    if (!(v instanceof Boolean b)) {
      throw new IllegalArgumentException(name + " must be true or false");
    }
    return b;
  }

  private static long number(String name, Object v) {
    if (!(v instanceof Number n)) {
      throw new IllegalArgumentException(name + " must be a number");
    }
    return n.longValue();
  }
}
