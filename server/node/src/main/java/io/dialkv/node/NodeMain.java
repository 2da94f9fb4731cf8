package io.dialkv.node;

import io.dialkv.core.admission.AdmissionControl;
import io.dialkv.core.data.RequestLimits;
import io.dialkv.core.node.NodeConfig;
import io.dialkv.security.Tls;
import io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent;
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
      "A node listens on two ports: the client port (--listen) for clients, and the peer port",
      "(--peer-listen) for the other nodes only. Both run TLS with the certificates in --certs-dir",
      "(make them with 'dialkv certs'); --insecure runs both in plaintext, open to anyone.",
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
      description = "host:port of the client port (default: ${DEFAULT-VALUE}).")
  String listen;

  @Option(
      names = "--advertise",
      description = "host:port clients reach this node at (default: the --listen address).")
  String advertise;

  @Option(
      names = "--peer-listen",
      description = "host:port of the peer port, for the other nodes only (default: the --listen host, "
          + "its port + " + PEER_PORT_OFFSET + ", e.g. 8101 for 7101).")
  String peerListen;

  @Option(
      names = "--peer-advertise",
      description = "host:port the other nodes reach this node's peer port at (default: the --peer-listen address).")
  String peerAdvertise;

  @Option(
      names = "--peers",
      split = ",",
      description =
          "Every member of a new cluster as id=host:port of its peer port, comma-separated, e.g. "
              + "1=127.0.0.1:8101,2=127.0.0.1:8102. Give either this or --join.")
  Map<Integer, String> peers;

  @Option(
      names = "--join",
      split = ",",
      paramLabel = "HOST:PORT",
      description =
          "Join a running cluster through the peer ports of these of its nodes (comma-separated): "
              + "learn the members from them, take this node's tokens, stream the ranges they give it, "
              + "and serve only then. The replication factor and virtual nodes are the cluster's. A node "
              + "restarted after joining just rejoins.")
  List<String> join;

  @Option(
      names = "--certs-dir",
      paramLabel = "DIR",
      description = "TLS for both ports: DIR holds ca.crt (the cluster's CA), node.crt (naming this node's id) "
          + "and node.key; files are reread when they change. Make them with 'dialkv certs init' and "
          + "'dialkv certs node'. Give this or --insecure.")
  Path certsDir;

  @Option(
      names = "--insecure",
      description = "No TLS: both ports in plaintext, the peer port open to anyone who can reach it, and "
          + "(without --tokens-file) every client allowed everything. For a laptop, never for real data.")
  boolean insecure;

  @Option(
      names = "--tokens-file",
      paramLabel = "FILE",
      description = "Bearer tokens clients may authenticate with, one '<name> <role> <sha256 of the token>' "
          + "line each (make them with 'dialkv token create'); reread when it changes.")
  Path tokensFile;

  @Option(
      names = "--metrics-listen",
      paramLabel = "HOST:PORT",
      description = "Serve Prometheus metrics at http(s)://HOST:PORT/metrics: requests by operation, consistency "
          + "level and outcome, latencies, members, hints, admission, JVM. With --certs-dir it is HTTPS, and a "
          + "scraper needs a token with the read role (Authorization: Bearer) or a client certificate "
          + "(default: no metrics port).")
  String metricsListen;

  @Option(
      names = "--reflection",
      description = "Serve gRPC server reflection on the client port (for grpcurl); callers need the read role.")
  boolean reflection;

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
      description = "Largest value one write may carry, all its fields together (default: ${DEFAULT-VALUE}).")
  int maxValueBytes;

  @Option(
      names = "--max-row-bytes",
      description = "Largest row, all its fields together; a write that would make a row larger is refused "
          + "(default: twice --max-value-bytes, at least 2097152).")
  Integer maxRowBytes;

  @Option(
      names = "--max-cells-per-row",
      defaultValue = "1024",
      description = "Most fields a row may hold, deleted ones until purged (default: ${DEFAULT-VALUE}).")
  int maxCellsPerRow;

  @Option(
      names = "--max-clock-offset-ms",
      defaultValue = "500",
      description = "Timestamps and ballots further ahead of this node's clock than this are refused and never "
          + "adopted; nodes whose clocks differ more are refused by each other (default: ${DEFAULT-VALUE}).")
  long maxClockOffsetMillis;

  @Option(
      names = "--max-connections",
      defaultValue = "1024",
      description = "Most client connections open at once; more are closed as they arrive (default: ${DEFAULT-VALUE}).")
  int maxConnections;

  @Option(
      names = "--admission-control",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description = {
        "Refuse client requests at once (RESOURCE_EXHAUSTED, nothing done) when the node is at its",
        "limit of requests in flight, a limit that adapts to the machine from request latency, or",
        "when a request's deadline can no longer be met (default: on; --no-admission-control turns",
        "it off, to see what an influx does without it)."
      })
  boolean admissionControl;

  @Option(
      names = "--max-in-flight",
      defaultValue = "1024",
      description = "Most client requests coordinated at once, however fast they complete (default: ${DEFAULT-VALUE}).")
  int maxInFlight;

  @Option(
      names = "--link-delay-ms",
      defaultValue = "0",
      description = {
        "For experiments: hold every message to a peer, and every answer from one, this many",
        "milliseconds (0 to 10000), as if the machines were far apart; the round trip to a peer grows",
        "by twice this (default: ${DEFAULT-VALUE}, none)."
      })
  long linkDelayMillis;

  @Option(
      names = "--max-direct-memory-mb",
      defaultValue = "256",
      description = "Most off-heap memory the network buffers may take; a connection that would need more is "
          + "closed (default: ${DEFAULT-VALUE}).")
  long maxDirectMemoryMb;

  @Option(
      names = "--cache-mb",
      description = "Memory for the rows and Paxos states a replica used last, kept beside RocksDB so that "
          + "a read or the next step of a Paxos round does not search the disk's tables (default: "
          + DEFAULT_CACHE_MB + ", or an eighth of the heap if that is less; 0: none; at most 1024). Taken "
          + "from the heap: leave room for it in -Xmx.")
  Long cacheMb;

  /**
   * A working set this large stays in memory: a row is rewritten into the cache at each write, so
   * it holds the rows written within its last lap, and 100,000 rows of 200 bytes hit about four
   * times in five at 64 MB, nearly always at 256 (JMH, a replica's part of a QUORUM write on
   * 100,000 random keys: 9.0 us at 64 MB, 5.0 us at 256; see docs/performance.md).
   */
  static final long DEFAULT_CACHE_MB = 256;

  /** The cache a node takes unless told: {@link #DEFAULT_CACHE_MB}, less on a small heap. */
  static long defaultCacheMb(long heapMb) {
    return Math.min(DEFAULT_CACHE_MB, heapMb / 8);
  }

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
          "Acknowledge a write only once the write-ahead log is fsync'd: survives power loss. One fsync "
              + "serves every write that arrived while the last one ran (group commit). Without it a "
              + "killed process still loses nothing.")
  boolean syncWrites;

  @Option(
      names = "--test-mode",
      description =
          "Serve the fault-injection admin API (link rules, clock skew, slow answers) to callers with the "
              + "admin role, for partition tests. Never on a node holding real data.")
  boolean testMode;

  static final int PEER_PORT_OFFSET = 1000;
  // Netty reads these when it first loads: set before anything touches the network.
  private static final String NETTY_MAX_DIRECT_MEMORY = "io.grpc.netty.shaded.io.netty.maxDirectMemory";
  private static final String NETTY_REFLECTION = "io.grpc.netty.shaded.io.netty.tryReflectionSetAccessible";

  public static void main(String[] args) {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    System.exit(commandLine().execute(args));
  }

  /**
   * Caps the network buffers at {@code --max-direct-memory-mb}, counted by Netty itself. Left to the
   * JDK's own direct-memory accounting, an allocation that does not fit runs a GC and sleeps for up
   * to half a second before it fails, on the node's only event loop: a client that fills the buffers
   * with unfinished requests then stalls the node for minutes after it leaves, as every stream it
   * left behind fails that way in turn. Netty's own count fails at once, and the connection that
   * asked is closed. It needs {@code java.nio} open to Netty, which the node jar's manifest does.
   */
  private void capNetworkBuffers() {
    if (System.getProperty(NETTY_MAX_DIRECT_MEMORY) == null) {
      System.setProperty(NETTY_MAX_DIRECT_MEMORY, String.valueOf(maxDirectMemoryMb << 20));
    }
    if (System.getProperty(NETTY_REFLECTION) == null) {
      System.setProperty(NETTY_REFLECTION, "true");
    }
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
    capNetworkBuffers();
    InetSocketAddress listenAddress = parseAddress(listen);
    String clientAddress = advertise != null ? advertise : listen;
    InetSocketAddress peerAddress = parseAddress(peerListen != null ? peerListen : defaultPeerListen(listen));
    String self = peerAdvertise != null ? peerAdvertise
        : peerAddress.getHostString() + ":" + peerAddress.getPort();
    if (unspecified(self) || unspecified(clientAddress)) {
      throw new IllegalArgumentException("listening on every interface: give --advertise and --peer-advertise, "
          + "the addresses clients and nodes reach this node at");
    }
    if (certsDir == null && !insecure) {
      throw new IllegalArgumentException("give --certs-dir DIR (TLS; make the files with 'dialkv certs init' and "
          + "'dialkv certs node') or --insecure (plaintext, open to anyone who can reach the node)");
    }
    if (certsDir != null && insecure) {
      throw new IllegalArgumentException("give --certs-dir or --insecure, not both");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("--max-in-flight must be at least 1 (got " + maxInFlight
          + "); --no-admission-control turns the limit off");
    }
    if (linkDelayMillis < 0 || linkDelayMillis > 10_000) {
      throw new IllegalArgumentException("--link-delay-ms must be 0 to 10000, got " + linkDelayMillis);
    }
    long heapMb = Runtime.getRuntime().maxMemory() >> 20;
    if (cacheMb == null) {
      cacheMb = defaultCacheMb(heapMb);
    }
    if (cacheMb < 0 || cacheMb > 1024 || cacheMb > heapMb / 2) {
      throw new IllegalArgumentException("--cache-mb must be 0 to 1024 and at most half the heap (" + heapMb
          + " MB; java -Xmx sets it), got " + cacheMb);
    }
    if ((peers == null) == (join == null)) {
      throw new IllegalArgumentException(
          "give either --peers (the members of a new cluster) or --join (nodes of a running cluster)");
    }
    NodeServer.Security security = new NodeServer.Security(certsDir, tokensFile);
    if (join != null) {
      Tls joinTls = certsDir == null ? null : Tls.forNode(certsDir, nodeId);
      try {
        ClusterJoin.Plan plan = ClusterJoin.plan(nodeId, self, join, joinTls);
        peers = plan.members();
        replicationFactor = plan.replicationFactor();
        virtualNodes = plan.virtualNodes();
      } finally {
        if (joinTls != null) {
          joinTls.close();
        }
      }
    }
    Map<Integer, String> members = new TreeMap<>(peers);
    String listed = members.putIfAbsent(nodeId, self);
    if (listed != null && peerAdvertise != null && !listed.equals(peerAdvertise)) {
      throw new IllegalArgumentException(
          "--peers lists n" + nodeId + " at " + listed + " but --peer-advertise says " + peerAdvertise);
    }
    int rowBytes = maxRowBytes != null ? maxRowBytes : RequestLimits.of(maxKeyBytes, maxValueBytes).maxRowBytes();
    RequestLimits limits = new RequestLimits(maxKeyBytes, maxValueBytes, rowBytes, maxCellsPerRow);
    NodeConfig config =
        new NodeConfig(
            nodeId,
            members,
            clientAddress,
            replicationFactor,
            virtualNodes,
            Duration.ofMillis(readTimeoutMillis),
            Duration.ofMillis(writeTimeoutMillis),
            Duration.ofMillis(heartbeatIntervalMillis),
            phiThreshold,
            Duration.ofMillis(maxClockOffsetMillis),
            limits,
            new NodeConfig.Healing(
                Duration.ofSeconds(hintWindowSeconds),
                maxHintsPerNode,
                readRepairChance,
                Duration.ofSeconds(repairIntervalSeconds),
                Duration.ofSeconds(tombstoneGraceSeconds)),
            new AdmissionControl.Settings(admissionControl, maxInFlight,
                Math.min(AdmissionControl.Settings.DEFAULT_MIN_LIMIT, maxInFlight)));
    if (!admissionControl) {
      log.warn("n{}: admission control is off: an influx of requests queues without bound", nodeId);
    }
    NodeServer server =
        NodeServer.start(
            config, listenAddress, dataDir,
            new NodeServer.Options(syncWrites, testMode, join != null, reflection, peerAddress, security,
                maxConnections, Duration.ofMillis(linkDelayMillis), cacheMb << 20,
                metricsListen == null ? null : parseAddress(metricsListen)));
    if (!PlatformDependent.useDirectBufferNoCleaner()) {
      log.warn("n{}: network buffers are not counted against --max-direct-memory-mb (run the node with "
          + "'java -jar', or add --add-opens java.base/java.nio=ALL-UNNAMED): when the JVM's direct memory "
          + "runs out, the event loop stalls instead of closing the connection that asked", nodeId);
    }
    if (linkDelayMillis > 0) {
      log.warn("n{}: every message to and from a peer is held {} ms (--link-delay-ms)", nodeId, linkDelayMillis);
    }
    Runtime.getRuntime()
        .addShutdownHook(new Thread(server::close, "dialkv-n" + nodeId + "-shutdown"));
    log.info("n{}: ready", nodeId);
    server.awaitTermination();
    return 0;
  }

  /** The client port's host, its port + {@value #PEER_PORT_OFFSET}. */
  static String defaultPeerListen(String clientListen) {
    InetSocketAddress client = parseAddress(clientListen);
    if (client.getPort() == 0) {
      return client.getHostString() + ":0";
    }
    int port = client.getPort() + PEER_PORT_OFFSET;
    if (port > 65535) {
      throw new IllegalArgumentException("the client port " + client.getPort() + " leaves no default peer port; "
          + "give --peer-listen");
    }
    return client.getHostString() + ":" + port;
  }

  private static boolean unspecified(String hostPort) {
    String host = hostPort.substring(0, hostPort.lastIndexOf(':'));
    return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
  }

  static InetSocketAddress parseAddress(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("address '" + hostPort + "' is not host:port");
    }
    try {
      int port = Integer.parseInt(hostPort.substring(colon + 1));
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port in '" + hostPort + "' is not 0 to 65535");
      }
      return new InetSocketAddress(hostPort.substring(0, colon), port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port in '" + hostPort + "' is not a number");
    }
  }
}
