package io.dialkv.client.balancer;

import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.util.Map;

/**
 * The {@code dialkv} load-balancing policy: one connection per node, health from each node's
 * {@code grpc.health.v1} service, outlier ejection, and a {@link BalancerPolicy} to choose a node
 * per request. Registered through {@code META-INF/services}; configured by {@link BalancerConfig}.
 */
public final class DialLoadBalancerProvider extends LoadBalancerProvider {
  /** The policy's name in a service config. */
  public static final String POLICY_NAME = "dialkv";

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return POLICY_NAME;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new DialLoadBalancer(helper);
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    try {
      return ConfigOrError.fromConfig(BalancerConfig.fromJson(rawConfig));
    } catch (IllegalArgumentException e) {
      return ConfigOrError.fromError(
          Status.INVALID_ARGUMENT.withDescription("dialkv balancer config: " + e.getMessage()));
    }
  }
}
