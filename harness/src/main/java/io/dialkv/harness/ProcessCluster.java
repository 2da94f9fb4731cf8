package io.dialkv.harness;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.client.auth.DialCredentials;
import io.dialkv.proto.v1.AdminGrpc;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.MembershipChangeResponse;
import io.dialkv.proto.v1.NodeState;
import io.dialkv.proto.v1.SetClockSkewRequest;
import io.dialkv.proto.v1.SetLinkRulesRequest;
import io.dialkv.proto.v1.SetResponseDelayRequest;
import io.dialkv.proto.v1.TopologyResponse;
import io.dialkv.security.CertificateAuthority;
import io.dialkv.security.CertsDir;
import io.dialkv.security.Role;
import io.dialkv.security.Tokens;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster of real node processes on 127.0.0.1 with free ports and a fresh directory, and the
 * controls a nemesis needs: kill, restart, pause, resume, link rules and clock skew (the last two
 * over the admin API, so nodes run with {@code --test-mode}). Closing it kills every process it
 * started and deletes their data, keeping their logs; a shutdown hook kills them if the JVM dies
 * first.
 *
 * <p>Secure unless asked otherwise, as a script-started cluster is: a CA of its own, a certificate
 * per node, mutual TLS between nodes, and clients authenticated by certificate (the harness's own
 * client is an admin) or by one of the tokens it makes, one per role.
 */
public final class ProcessCluster implements TestCluster, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProcessCluster.class);
  private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
  private final Set<Integer> departed = ConcurrentHashMap.newKeySet();
  private final Map<Integer, ManagedChannel> adminChannels = new HashMap<>();
  private final int replicationFactor;
  private final Path dir;
  private final Path nodeJar;
  private final List<String> extraArgs;
  private final NetnsNetwork netns;
  private final NodeLauncher launcher;
  private final boolean secure;
  private final DialCredentials credentials;
  private final Thread reaper;

  /**
   * Starts the nodes; they are not yet known to be up (see {@link #awaitHealthy}).
   *
   * @param nodeJar the node's shaded jar
   * @param baseDir directory under which this cluster gets a fresh folder for data and logs
   * @param testMode start nodes with --test-mode so that faults can be injected
   */
  public ProcessCluster(int size, int replicationFactor, Path nodeJar, Path baseDir, boolean testMode)
      throws IOException {
    this(size, replicationFactor, nodeJar, baseDir, testMode, null);
  }

  /**
   * As above, with every node in its own network namespace (see {@link NetnsNetwork}); link rules
   * are then iptables rules that drop real packets, and the cluster closes the network with itself.
   */
  public ProcessCluster(int size, int replicationFactor, Path nodeJar, Path baseDir, boolean testMode,
      NetnsNetwork netns) throws IOException {
    this(size, replicationFactor, nodeJar, baseDir, testMode, netns, List.of());
  }

  /** As above, with extra flags for every node (for example {@code --read-repair-chance 0}). */
  public ProcessCluster(int size, int replicationFactor, Path nodeJar, Path baseDir, boolean testMode,
      NetnsNetwork netns, List<String> nodeArgs) throws IOException {
    this(size, replicationFactor, nodeJar, baseDir, testMode, netns, nodeArgs, true);
  }

  /**
   * As above; {@code secure} false starts the nodes {@code --insecure} (plaintext, no
   * authentication).
   */
  public ProcessCluster(int size, int replicationFactor, Path nodeJar, Path baseDir, boolean testMode,
      NetnsNetwork netns, List<String> nodeArgs, boolean secure) throws IOException {
    this(size, replicationFactor, nodeJar, baseDir, testMode, netns,
        netns == null ? NodeLauncher.LOCAL : NodeLauncher.in(netns), nodeArgs, secure);
  }

  /**
   * As above, each node started where the launcher says (an emulated machine, for example); the
   * network, if any, is closed with the cluster.
   */
  public ProcessCluster(int size, int replicationFactor, Path nodeJar, Path baseDir, boolean testMode,
      NetnsNetwork netns, NodeLauncher launcher, List<String> nodeArgs, boolean secure) throws IOException {
    this.netns = netns;
    this.launcher = launcher;
    this.secure = secure;
    if (!Files.isRegularFile(nodeJar)) {
      throw new IllegalArgumentException(
          "node jar " + nodeJar + " not found; build it with ./mvnw -B -DskipTests package");
    }
    this.replicationFactor = replicationFactor;
    Files.createDirectories(baseDir);
    Path dir = Files.createTempDirectory(baseDir, "cluster-");
    // On loopback every node needs ports of its own; in namespaces each has its own address.
    List<Integer> free = netns == null ? freePorts(2 * size) : List.of();
    List<Integer> ports = netns == null ? free.subList(0, size) : java.util.Collections.nCopies(size, 7101);
    List<Integer> peerPorts = netns == null ? free.subList(size, 2 * size) : java.util.Collections.nCopies(size, 8101);
    List<String> hosts = new ArrayList<>();
    StringBuilder peers = new StringBuilder();
    for (int i = 0; i < size; i++) {
      hosts.add(netns == null ? "127.0.0.1" : netns.address(i + 1));
      peers.append(i == 0 ? "" : ",").append(i + 1).append('=').append(hosts.get(i)).append(':')
          .append(peerPorts.get(i));
    }
    List<String> extra = new ArrayList<>(nodeArgs);
    if (testMode) {
      extra.add("--test-mode");
    }
    this.dir = dir;
    this.nodeJar = nodeJar;
    this.extraArgs = List.copyOf(extra);
    if (secure) {
      CertificateAuthority ca = CertificateAuthority.create(caDir(), "test", CertificateAuthority.DEFAULT_CA_VALIDITY);
      ca.issueClient("harness", Role.ADMIN, CertificateAuthority.DEFAULT_VALIDITY, certsDir("admin"));
      Files.createDirectories(certsDir("ca-only"));
      Files.copy(caDir().resolve(CertsDir.CA_CERT), certsDir("ca-only").resolve(CertsDir.CA_CERT));
      for (Role role : Role.values()) {
        Tokens.create(tokensFile(), role.label() + "-client", role, tokenFile(role));
      }
      this.credentials = DialCredentials.tls(certsDir("admin"));
    } else {
      this.credentials = DialCredentials.insecure();
    }
    List<String> membership =
        List.of("--peers", peers.toString(), "--replication-factor", String.valueOf(replicationFactor));
    for (int i = 0; i < size; i++) {
      nodes.add(new NodeProcess(i + 1, hosts.get(i), ports.get(i), peerPorts.get(i), membership,
          securityArgs(i + 1, hosts.get(i)), dir, nodeJar, extra, launcher));
    }
    reaper = new Thread(this::killAll, "kill-dialkv-nodes");
    Runtime.getRuntime().addShutdownHook(reaper);
    try {
      for (NodeProcess node : nodes) {
        node.start();
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0));
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  /**
   * Starts a new node (the next id) that joins the running cluster through its members; returns
   * it at once, joining. In network namespaces it gets a namespace of its own (the launcher makes
   * it).
   */
  public synchronized NodeProcess startJoiningNode() throws IOException, InterruptedException {
    int id = nodes.size() + 1;
    launcher.prepare(id);
    String host = netns == null ? "127.0.0.1" : launcher.host(id);
    List<Integer> free = netns == null ? freePorts(2) : List.of(7101, 8101);
    List<String> seeds = nodeIds().stream().map(n -> node(n).peerEndpoint()).toList();
    NodeProcess node = new NodeProcess(id, host, free.get(0), free.get(1),
        List.of("--join", String.join(",", seeds)), securityArgs(id, host), dir, nodeJar, extraArgs, launcher);
    nodes.add(node);
    node.start();
    return node;
  }

  /**
   * Decommissions a member through the client API and waits for its process to stop (a node that
   * left stops by itself); from then on it is no longer among {@link #nodeIds()}.
   *
   * @return what the node streamed
   */
  public MembershipChangeResponse decommission(int id, Duration limit) throws InterruptedException {
    MembershipChangeResponse change;
    try (DialClient client = client()) {
      change = client.decommission(id, limit);
    }
    departed.add(id);
    poll(() -> !node(id).isAlive(), Duration.ofSeconds(30), "n" + id + " did not stop after leaving");
    return change;
  }

  /** Waits until the node is a normal member (joined), as it sees itself. */
  public void awaitJoined(int id, Duration limit) throws InterruptedException {
    try (DialClient client = client()) {
      poll(() -> {
        try {
          return client.topology(node(id).endpoint()).getNodesList().stream()
              .anyMatch(n -> n.getNodeId() == id && n.getState() == NodeState.NODE_STATE_NORMAL);
        } catch (DialException e) {
          return false;
        }
      }, limit, "n" + id + " did not join");
    }
  }

  /** Members: the nodes started, but those decommissioned. */
  @Override
  public int size() {
    return nodeIds().size();
  }

  public int replicationFactor() {
    return replicationFactor;
  }

  /** The members' ids: every node started, but those decommissioned. */
  @Override
  public List<Integer> nodeIds() {
    return nodes.stream().map(NodeProcess::id).filter(id -> !departed.contains(id)).toList();
  }

  /** Any node ever started, decommissioned ones included. */
  public NodeProcess node(int id) {
    return nodes.get(id - 1);
  }

  public List<String> endpoints() {
    return nodeIds().stream().map(id -> node(id).endpoint()).toList();
  }

  /** A client of the whole cluster, with the harness's admin credentials. */
  public DialClient client() {
    return DialClient.builder().endpoints(endpoints()).credentials(credentials).timeout(Duration.ofSeconds(10))
        .build();
  }

  public DialClient clientOf(int id) {
    return DialClient.builder()
        .endpoints(List.of(node(id).endpoint()))
        .credentials(credentials)
        .discover(false)
        .timeout(Duration.ofSeconds(10))
        .build();
  }

  /** Whether the nodes run TLS and authenticate callers. */
  public boolean secure() {
    return secure;
  }

  /** The harness's own credentials: an admin client certificate (plaintext if not secure). */
  public DialCredentials credentials() {
    return credentials;
  }

  /** Credentials of a client that has only {@code role}: the CA, and that role's token. */
  public DialCredentials credentials(Role role) {
    requireSecure();
    return DialCredentials.tls(certsDir("ca-only")).withToken(Tokens.readTokenFile(tokenFile(role)));
  }

  /** The cluster's CA folder (ca.crt, ca.key), to issue more certificates in tests. */
  public Path caDir() {
    return dir.resolve("certs").resolve("ca");
  }

  /** A folder for one party's certificates under the cluster's: {@code certs/NAME}. */
  public Path certsDir(String name) {
    return dir.resolve("certs").resolve(name);
  }

  /** The nodes' tokens file (name, role, hash). */
  public Path tokensFile() {
    return dir.resolve("tokens.txt");
  }

  /** The token of the client made for a role. */
  public Path tokenFile(Role role) {
    return dir.resolve("tokens").resolve(role.label() + ".token");
  }

  private void requireSecure() {
    if (!secure) {
      throw new IllegalStateException("this cluster runs --insecure: it has no certificates or tokens");
    }
  }

  /** The flags that give node {@code id} its certificate (made now) and the tokens, or --insecure. */
  private List<String> securityArgs(int id, String host) {
    if (!secure) {
      return List.of("--insecure");
    }
    CertificateAuthority.open(caDir()).issueNode(id, List.of(host), CertificateAuthority.DEFAULT_VALIDITY,
        certsDir("n" + id));
    return List.of("--certs-dir", certsDir("n" + id).toString(), "--tokens-file", tokensFile().toString());
  }

  /** Waits until every running node answers and sees every running node up and the others down. */
  public void awaitHealthy(Duration limit) throws InterruptedException {
    try (DialClient client = client()) {
      poll(() -> nodes.stream().filter(NodeProcess::isAlive).allMatch(n -> seesExpected(client, n)), limit,
          "the cluster did not become healthy");
    }
  }

  private boolean seesExpected(DialClient client, NodeProcess observer) {
    try {
      TopologyResponse t = client.topology(observer.endpoint());
      return t.getNodesList().stream()
          .allMatch(info -> (info.getLiveness() == Liveness.UP) == node(info.getNodeId()).isAlive());
    } catch (DialException e) {
      return false;
    }
  }

  private static void poll(BooleanSupplier condition, Duration limit, String failure) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(failure + " within " + limit);
      }
      TimeUnit.MILLISECONDS.sleep(200); // polling processes we do not control
    }
  }

  @Override
  public void kill(int node) throws Exception {
    node(node).kill();
  }

  @Override
  public void restart(int node) throws Exception {
    node(node).start();
  }

  @Override
  public void pause(int node) throws Exception {
    node(node).pause();
  }

  @Override
  public void resume(int node) throws Exception {
    node(node).resume();
  }

  /** How long a membership change the nemesis starts may take. */
  private static final Duration CHANGE_LIMIT = Duration.ofSeconds(120);

  @Override
  public Joining addNode() throws Exception {
    NodeProcess node = startJoiningNode();
    return new Joining(node.id(), inBackground("nemesis-join-n" + node.id(), () -> awaitJoined(node.id(), CHANGE_LIMIT)));
  }

  @Override
  public CompletableFuture<Void> decommission(int node) {
    return inBackground("nemesis-decommission-n" + node, () -> decommission(node, CHANGE_LIMIT));
  }

  private interface Blocking {
    void run() throws Exception;
  }

  /** Runs a blocking wait on a thread of its own (a membership change takes tens of seconds). */
  private static CompletableFuture<Void> inBackground(String threadName, Blocking wait) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        wait.run();
        done.complete(null);
      } catch (Exception e) {
        done.completeExceptionally(e);
      }
    }, threadName);
    t.setDaemon(true);
    t.start();
    return done;
  }

  /**
   * Makes the node drop all traffic to and from the given peers (an empty set heals it): through
   * the node's admin API on loopback, with iptables in the node's namespace otherwise.
   */
  @Override
  public void setLinkRules(int node, Collection<Integer> blockedPeers) {
    if (netns != null) {
      try {
        netns.block(node, blockedPeers);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      return;
    }
    AdminGrpc.newBlockingStub(admin(node))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .setLinkRules(SetLinkRulesRequest.newBuilder().addAllBlockedPeers(blockedPeers).build());
  }

  /** Shifts the node's wall clock. */
  @Override
  public void setClockSkew(int node, long skewMillis) {
    AdminGrpc.newBlockingStub(admin(node))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .setClockSkew(SetClockSkewRequest.newBuilder().setSkewMillis(skewMillis).build());
  }

  /** Holds every client-API answer of the node for the given time (0 removes the delay). */
  public void setResponseDelay(int node, long delayMillis) {
    AdminGrpc.newBlockingStub(admin(node))
        .withDeadlineAfter(5, TimeUnit.SECONDS)
        .setResponseDelay(SetResponseDelayRequest.newBuilder().setDelayMillis(delayMillis).build());
  }

  private synchronized ManagedChannel admin(int node) {
    return adminChannels.computeIfAbsent(node, id -> {
      NettyChannelBuilder b = NettyChannelBuilder.forTarget(node(id).endpoint(), credentials.channelCredentials());
      if (credentials.tokenInterceptor() != null) {
        b.intercept(credentials.tokenInterceptor());
      }
      return b.build();
    });
  }

  private void killAll() {
    for (NodeProcess node : nodes) {
      try {
        node.kill();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public void close() {
    adminChannels.values().forEach(ManagedChannel::shutdownNow);
    killAll();
    // The nodes' RocksDB directories go (a run leaves hundreds of megabytes); their logs stay.
    for (NodeProcess node : nodes) {
      try {
        if (!node.isAlive()) {
          node.wipeData();
        }
      } catch (IOException e) {
        log.warn("could not delete the data of n{}: {}", node.id(), e.getMessage());
      }
    }
    if (netns != null) {
      netns.close();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running already
    }
  }
}
