package io.dialkv.client.balancer;

import io.grpc.ManagedChannel;
import io.grpc.NameResolver;
import java.time.Duration;
import java.util.function.Function;

/**
 * How a {@code dialkv://} name resolver behaves; passed with {@code
 * ManagedChannelBuilder.setNameResolverArg(ResolverOptions.KEY, options)}. Without it, the resolver
 * discovers the cluster every 5 seconds over plaintext channels of its own.
 *
 * @param discover learn the cluster's nodes and ring from the seeds (false: use the seeds only, in
 *     the order given, to talk to those nodes alone)
 * @param refreshInterval how often the topology is asked for again
 * @param telemetry where the balancer publishes what it sees (may be null)
 * @param channelFactory opens a plaintext channel to one host:port, for topology calls
 */
public record ResolverOptions(
    boolean discover,
    Duration refreshInterval,
    BalancerTelemetry telemetry,
    Function<String, ManagedChannel> channelFactory) {
  /** The name resolver argument that carries these options. */
  public static final NameResolver.Args.Key<ResolverOptions> KEY =
      NameResolver.Args.Key.create("dialkv-resolver-options");

  static ResolverOptions defaults() {
    return new ResolverOptions(
        true,
        Duration.ofSeconds(5),
        null,
        address -> io.grpc.Grpc.newChannelBuilder(address, io.grpc.InsecureChannelCredentials.create()).build());
  }
}
