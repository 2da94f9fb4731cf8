package io.dialkv.client.balancer;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Resolves {@code dialkv:///host:port,host:port} targets: the listed nodes are seeds, from which
 * the resolver learns every node of the cluster and its token ring, and keeps learning as nodes
 * come and go. Registered through {@code META-INF/services}; see {@link ResolverOptions}.
 */
public final class DialNameResolverProvider extends NameResolverProvider {
  /** The target scheme. */
  public static final String SCHEME = "dialkv";

  /** The target for the given seeds. */
  public static String target(List<String> seeds) {
    return SCHEME + ":///" + String.join(",", seeds);
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    String list = targetUri.getAuthority();
    if (list == null || list.isEmpty()) {
      String path = targetUri.getPath();
      list = path == null ? "" : path.replaceFirst("^/", "");
    }
    List<String> seeds = new ArrayList<>();
    for (String s : list.split(",")) {
      String seed = s.trim();
      if (seed.isEmpty()) {
        continue;
      }
      int colon = seed.lastIndexOf(':');
      if (colon <= 0 || !seed.substring(colon + 1).matches("\\d{1,5}")) {
        throw new IllegalArgumentException("dialkv seed '" + seed + "' is not host:port");
      }
      seeds.add(seed);
    }
    if (seeds.isEmpty()) {
      throw new IllegalArgumentException("a dialkv target names at least one seed: dialkv:///host:port[,host:port]");
    }
    ResolverOptions options = args.getArg(ResolverOptions.KEY);
    return new DialNameResolver(seeds, options == null ? ResolverOptions.defaults() : options, args);
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }
}
