package io.dialkv.node;

import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.node.NodeConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dialkv-node}: runs one node of a dialkv cluster until SIGTERM. */
@Command(
    name = "dialkv-node",
    mixinStandardHelpOptions = true,
    version = "dialkv-node 0.1.0",
    sortOptions = false,
    description = {
      "Runs one node of a dialkv cluster. The nodes of a new cluster must be given the same --peers,",
      "--replication-factor and --virtual-nodes; a node added later is given --join instead.",
      "Stops gracefully on SIGTERM, and by itself once decommissioned.",
      "Options can also come from a properties file (--config) with keys named like the long",
      "options without dashes, e.g. node-id=1."
    })
public final class NodeMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(NodeMain.class);

  @Option(names = "--config", description = "Properties file with default option values.")
  Path configFile;

  @Option(names = "--node-id", required = true, description = "This node's id, a positive integer.")
  int nodeId;

  @Option(
      names = "--listen",
      defaultValue = "127.0.0.1:7101",
      description = "host:port to listen on (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--advertise",
      description = "host:port peers and clients reach this node at (default: the listen address).")
  String advertise;

  @Option(
      names = "--peers",
      split = ",",
      description =
          "Every member of a new cluster as id=host:port, comma-separated, e.g. "
              + "1=127.0.0.1:7101,2=127.0.0.1:7102. Give either this or --join.")
  Map<Integer, String> peers;

  @Option(
      names = "--join",
      split = ",",
      paramLabel = "HOST:PORT",
      description =
          "Join a running cluster through these of its nodes (comma-separated): learn the members "
              + "from them, take this node's tokens, stream the ranges they give it, and serve only "
              + "then. The replication factor and virtual nodes are the cluster's. A node restarted "
              + "after joining just rejoins.")
  List<String> join;

  @Option(names = "--data-dir", required = true, description = "Directory for this node's RocksDB data.")
  Path dataDir;

  @Option(
      names = "--replication-factor",
      defaultValue = "3",
      description = "Replicas per key (default: ${DEFAULT-VALUE}).")
  int replicationFactor;

  @Option(
      names = "--virtual-nodes",
      defaultValue = "64",
      description = "Tokens per node on the ring (default: ${DEFAULT-VALUE}).")
  int virtualNodes;

  @Option(
      names = "--read-timeout-ms",
      defaultValue = "2000",
      description = "How long a coordinator waits for replicas on a read (default: ${DEFAULT-VALUE}).")
  long readTimeoutMillis;

  @Option(
      names = "--write-timeout-ms",
      defaultValue = "2000",
      description =
          "How long a coordinator waits for write acks before answering DEADLINE_EXCEEDED "
              + "(indeterminate) (default: ${DEFAULT-VALUE}).")
  long writeTimeoutMillis;

  @Option(
      names = "--heartbeat-interval-ms",
      defaultValue = "250",
      description = "Interval between heartbeats to each peer (default: ${DEFAULT-VALUE}).")
  long heartbeatIntervalMillis;

  @Option(
      names = "--phi-threshold",
      defaultValue = "8",
      description = "Failure detector suspicion above which a peer is down (default: ${DEFAULT-VALUE}).")
  double phiThreshold;

  @Option(
      names = "--max-key-bytes",
      defaultValue = "256",
      description = "Longest key accepted (default: ${DEFAULT-VALUE}).")
  int maxKeyBytes;

  @Option(
      names = "--max-value-bytes",
      defaultValue = "1048576",
      description = "Largest value accepted (default: ${DEFAULT-VALUE}).")
  int maxValueBytes;

  @Option(
      names = "--hint-window-s",
      defaultValue = "10800",
      description =
          "How long to keep writes for a replica that stays down, to hand them over when it is back "
              + "(default: ${DEFAULT-VALUE}, 3 hours).")
  long hintWindowSeconds;

  @Option(
      names = "--max-hints-per-node",
      defaultValue = "1000000",
      description = "Most writes kept for one down replica; 0 turns hinted handoff off (default: ${DEFAULT-VALUE}).")
  long maxHintsPerNode;

  @Option(
      names = "--read-repair-chance",
      defaultValue = "0.1",
      description =
          "Share of reads at ONE followed by an asynchronous read repair of the key on every live "
              + "replica, 0 to 1 (default: ${DEFAULT-VALUE}).")
  double readRepairChance;

  @Option(
      names = "--repair-interval-s",
      defaultValue = "0",
      description =
          "Run anti-entropy repair of this node's ranges every this many seconds; 0 (the default) "
              + "runs it only on demand (dialkv repair).")
  long repairIntervalSeconds;

  @Option(
      names = "--tombstone-grace-s",
      defaultValue = "864000",
      description =
          "Keep deletion markers at least this long, then purge them from ranges repaired since "
              + "(default: ${DEFAULT-VALUE}, 10 days; never less than --hint-window-s).")
  long tombstoneGraceSeconds;

  @Option(
      names = "--sync-writes",
      description =
          "fsync the write-ahead log on every write: survives power loss, costs ~0.3 ms a write. "
              + "Without it a killed process still loses nothing.")
  boolean syncWrites;

  @Option(
      names = "--test-mode",
      description =
          "Serve the admin API (link rules, clock skew) to any client, for partition tests. "
              + "Never on a node holding real data.")
  boolean testMode;

  @Option(
      names = "--admin-token",
      description = "Serve the admin API to callers that send this token in the dialkv-admin-token header.")
  String adminToken;

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new NodeMain());
    cli.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          commandLine.getErr().println("dialkv-node: " + e.getMessage());
          return 1;
        });
    cli.setDefaultValueProvider(new ConfigFileDefaults(cli));
    return cli;
  }

  @Override
  public Integer call() throws Exception {
    InetSocketAddress listenAddress = parseAddress(listen);
    String self = advertise != null ? advertise : listen;
    if ((peers == null) == (join == null)) {
      throw new IllegalArgumentException(
          "give either --peers (the members of a new cluster) or --join (nodes of a running cluster)");
    }
    if (join != null) {
      ClusterJoin.Plan plan = ClusterJoin.plan(nodeId, self, join);
      peers = plan.members();
      replicationFactor = plan.replicationFactor();
      virtualNodes = plan.virtualNodes();
    }
    Map<Integer, String> members = new TreeMap<>(peers);
    String listed = members.putIfAbsent(nodeId, self);
    if (listed != null && advertise != null && !listed.equals(advertise)) {
      throw new IllegalArgumentException(
          "--peers lists n" + nodeId + " at " + listed + " but --advertise says " + advertise);
    }
    NodeConfig config =
        new NodeConfig(
            nodeId,
            members,
            replicationFactor,
            virtualNodes,
            Duration.ofMillis(readTimeoutMillis),
            Duration.ofMillis(writeTimeoutMillis),
            Duration.ofMillis(heartbeatIntervalMillis),
            phiThreshold,
            new RequestLimits(maxKeyBytes, maxValueBytes),
            new NodeConfig.Healing(
                Duration.ofSeconds(hintWindowSeconds),
                maxHintsPerNode,
                readRepairChance,
                Duration.ofSeconds(repairIntervalSeconds),
                Duration.ofSeconds(tombstoneGraceSeconds)));
    NodeServer server =
        NodeServer.start(
            config, listenAddress, dataDir, new NodeServer.Options(syncWrites, testMode, adminToken, join != null));
    Runtime.getRuntime()
        .addShutdownHook(new Thread(server::close, "dialkv-n" + nodeId + "-shutdown"));
    log.info("n{}: ready", nodeId);
    server.awaitTermination();
    return 0;
  }

  static InetSocketAddress parseAddress(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("address '" + hostPort + "' is not host:port");
    }
    try {
      return new InetSocketAddress(
          hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port in '" + hostPort + "' is not a number");
    }
  }
}
