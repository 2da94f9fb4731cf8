package io.dialkv.cli;

import ch.qos.logback.classic.Level;
import io.dialkv.client.balancer.BalancedChannel;
import io.dialkv.client.balancer.BalancerConfig;
import io.dialkv.client.balancer.BalancerPolicy;
import io.dialkv.client.balancer.NodeStats;
import io.dialkv.proxy.GrpcProxy;
import io.dialkv.proxy.TcpProxy;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dialkv balancer}: the standalone balancer, for clients that cannot embed the Java one. */
@Command(
    name = "balancer",
    mixinStandardHelpOptions = true,
    description = {
      "Run a standalone balancer in front of the cluster, for clients that cannot embed the Java",
      "client's balancer (grpcurl, other languages). It learns the nodes from the endpoints and",
      "follows their health like the Java client does.",
      "",
      "  l7 (default): a gRPC proxy; each request is balanced on its own, token-aware routing works,",
      "      and reads whose node died are retried on another.",
      "  l4: a TCP proxy; each connection is given to one node. gRPC clients multiplex all their",
      "      requests on one long-lived connection, so every request of a client lands on the same",
      "      node: uneven, and a dead node costs its clients their connection.",
      "",
      "A lone proxy is a single point of failure and one more hop; the Java client's built-in",
      "balancer has neither. Runs until interrupted (Ctrl-C), then prints what it forwarded.",
      "",
      "Security: clients reach the proxy in plaintext (it listens on loopback by default). With a",
      "TLS cluster, give --certs-dir: in l4 mode the clients' own TLS passes through to the nodes; in l7",
      "mode the proxy talks TLS to the nodes and forwards each caller's bearer token. A caller without",
      "a token gets the proxy's own identity: give it a folder with only ca.crt (callers must bring",
      "tokens), or a client certificate of the role anyone who can reach the proxy may have."
    },
    footer = {"", ExitCodes.HELP})
final class BalancerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin ClientOptions client;

  @Option(names = "--listen", defaultValue = "127.0.0.1:7100", paramLabel = "HOST:PORT",
      description = "Where clients connect (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(names = "--mode", defaultValue = "l7",
      description = "l7 (per request) or l4 (per connection); default: ${DEFAULT-VALUE}.")
  Mode mode;

  enum Mode {
    l7,
    l4
  }

  @Override
  public Integer call() throws InterruptedException {
    BalancerPolicy policy = BalancerPolicy.parse(client.balancer);
    if (mode == Mode.l4 && policy.tokenAware()) {
      // L4 never sees a request, so it cannot know its key.
      policy = new BalancerPolicy(false, policy.choice());
    }
    InetSocketAddress address = parse(listen);
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("io.dialkv")).setLevel(Level.INFO);
    PrintWriter out = spec.commandLine().getOut();
    BalancedChannel backends =
        new BalancedChannel(
            List.of(client.endpoints().split(",")),
            BalancerConfig.defaults("dialkv-balancer").withPolicy(policy),
            !client.direct,
            Duration.ofSeconds(5),
            16 << 20,
            client.credentials());
    CountDownLatch stopped = new CountDownLatch(1);
    if (mode == Mode.l7) {
      GrpcProxy proxy = GrpcProxy.start(address, backends);
      out.printf("dialkv balancer (l7, %s) listening on %s:%d for %s%n",
          policy, address.getHostString(), proxy.port(), client.endpoints());
      out.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        List<NodeStats> nodes = proxy.nodes();
        proxy.close();
        out.printf("forwarded %d calls (%d retried on another node); requests per node:", proxy.calls(), proxy.retried());
        nodes.forEach(n -> out.printf(" %s %d (%s)", n.name(), n.requests(), n.state()));
        out.println();
        out.flush();
        stopped.countDown();
      }));
    } else {
      TcpProxy proxy = TcpProxy.start(address, backends, policy.choice());
      out.printf("dialkv balancer (l4, %s) listening on %s:%d for %s%n",
          policy.choice().label(), address.getHostString(), proxy.port(), client.endpoints());
      out.flush();
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        out.println("connections per node: " + proxy.connectionsPerNode());
        proxy.close();
        out.flush();
        stopped.countDown();
      }));
    }
    stopped.await();
    return ExitCodes.OK;
  }

  private InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || !hostPort.substring(colon + 1).matches("\\d{1,5}")) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--listen must be HOST:PORT, got '" + hostPort + "'");
    }
    return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
