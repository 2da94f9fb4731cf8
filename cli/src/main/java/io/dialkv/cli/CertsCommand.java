package io.dialkv.cli;

import io.dialkv.security.CertificateAuthority;
import io.dialkv.security.CertsDir;
import io.dialkv.security.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dialkv certs}: a development CA and the certificates of nodes and clients. */
@Command(
    name = "certs",
    mixinStandardHelpOptions = true,
    description = {
      "Make a development certificate authority for a cluster, and certificates from it: one per node",
      "(it names the node's id; nodes accept peers only by it) and one per client (it names the client",
      "and its role: read, readwrite or admin). Keys are ECDSA P-256, private keys readable by their",
      "owner only. Nodes reread their files when they change: to rotate, issue a new certificate into",
      "the same folder. For production, any CA that puts the same names in its certificates works",
      "(see the README's Security section), and its key need never be on a node."
    },
    subcommands = {CertsCommand.Init.class, CertsCommand.Node.class, CertsCommand.Client.class},
    footer = {"", ExitCodes.HELP})
final class CertsCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "init", mixinStandardHelpOptions = true,
      description = "Create the cluster's CA in --ca-dir (ca.crt, ca.key); never overwrites one.")
  static final class Init implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--ca-dir", required = true, paramLabel = "DIR", description = "Folder for the CA.")
    Path caDir;

    @Option(names = "--cluster", defaultValue = "local", description = "The cluster's name, in the CA's (default: ${DEFAULT-VALUE}).")
    String cluster;

    @Option(names = "--days", defaultValue = "3650", description = "Validity (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      CertificateAuthority.create(caDir, cluster, days(days));
      spec.commandLine().getOut().println("CA created: " + caDir.resolve(CertsDir.CA_CERT) + " (keep "
          + caDir.resolve(CertsDir.CA_KEY) + " away from the nodes)");
      return ExitCodes.OK;
    }
  }

  @Command(name = "node", mixinStandardHelpOptions = true,
      description = "Issue node N's certificate into --out (ca.crt, node.crt, node.key): the node's --certs-dir.")
  static final class Node implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--ca-dir", required = true, paramLabel = "DIR", description = "The CA's folder.")
    Path caDir;

    @Option(names = "--id", required = true, description = "The node's id.")
    int id;

    @Option(names = "--host", split = ",", paramLabel = "HOST",
        description = "Host names or addresses to name too, for tools that check them (localhost and 127.0.0.1 always).")
    List<String> hosts = List.of();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the node's files.")
    Path out;

    @Option(names = "--days", defaultValue = "365", description = "Validity (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      CertificateAuthority.open(caDir).issueNode(id, hosts, days(days), out);
      spec.commandLine().getOut().println("n" + id + ": " + out.resolve(CertsDir.NODE_CERT) + " (start it with --certs-dir "
          + out + ")");
      return ExitCodes.OK;
    }
  }

  @Command(name = "client", mixinStandardHelpOptions = true,
      description = "Issue a client's certificate into --out (ca.crt, client.crt, client.key): its --certs-dir.")
  static final class Client implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--ca-dir", required = true, paramLabel = "DIR", description = "The CA's folder.")
    Path caDir;

    @Option(names = "--name", required = true, description = "The client's name (letters, digits, . _ @ -).")
    String name;

    @Option(names = "--role", required = true, description = "read, readwrite or admin.")
    String role;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the client's files.")
    Path out;

    @Option(names = "--days", defaultValue = "365", description = "Validity (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() {
      Role r = Role.parse(role);
      CertificateAuthority.open(caDir).issueClient(name, r, days(days), out);
      spec.commandLine().getOut().println("client '" + name + "' (role " + r.label() + "): "
          + out.resolve(CertsDir.CLIENT_CERT) + " (use it with --certs-dir " + out + ")");
      return ExitCodes.OK;
    }
  }

  private static Duration days(int days) {
    if (days < 1 || days > 36_500) {
      throw new IllegalArgumentException("--days must be 1 to 36500, got " + days);
    }
    return Duration.ofDays(days);
  }
}
