package io.dialkv.it;

import static org.awaitility.Awaitility.await;

import io.dialkv.client.DialClient;
import io.dialkv.client.DialException;
import io.dialkv.proto.v1.Liveness;
import io.dialkv.proto.v1.TopologyResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A cluster of real node processes on 127.0.0.1 with free ports and a fresh directory. Closing it
 * kills every process it started; a shutdown hook does the same if the test JVM dies first.
 */
final class ProcessCluster implements AutoCloseable {
  private final List<NodeProcess> nodes = new ArrayList<>();
  private final Thread reaper;

  ProcessCluster(int size, int replicationFactor) throws IOException {
    Path base = Path.of(System.getProperty("dialkv.test.dir", "target/clusters"));
    Files.createDirectories(base);
    Path dir = Files.createTempDirectory(base, "cluster-");
    List<Integer> ports = freePorts(size);
    String peers = "";
    for (int i = 0; i < size; i++) {
      peers += (i == 0 ? "" : ",") + (i + 1) + "=127.0.0.1:" + ports.get(i);
    }
    for (int i = 0; i < size; i++) {
      nodes.add(new NodeProcess(i + 1, ports.get(i), peers, replicationFactor, dir));
    }
    reaper = new Thread(this::killAll, "kill-test-nodes");
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
      return sockets.stream().map(ServerSocket::getLocalPort).collect(Collectors.toList());
    } finally {
      for (ServerSocket s : sockets) {
        s.close();
      }
    }
  }

  NodeProcess node(int id) {
    return nodes.get(id - 1);
  }

  List<String> endpoints() {
    return nodes.stream().map(NodeProcess::endpoint).toList();
  }

  String endpointList() {
    return String.join(",", endpoints());
  }

  DialClient client() {
    return DialClient.builder().endpoints(endpoints()).timeout(Duration.ofSeconds(10)).build();
  }

  DialClient clientOf(int id) {
    return DialClient.builder().endpoints(List.of(node(id).endpoint())).timeout(Duration.ofSeconds(10)).build();
  }

  /** Waits until every running node answers and sees every running node up (and the others down). */
  void awaitHealthy(Duration limit) {
    try (DialClient client = client()) {
      await()
          .atMost(limit)
          .pollInterval(Duration.ofMillis(200))
          .ignoreException(DialException.class)
          .until(() -> nodes.stream().filter(NodeProcess::isAlive).allMatch(n -> seesExpected(client, n)));
    }
  }

  private boolean seesExpected(DialClient client, NodeProcess observer) {
    TopologyResponse t = client.topology(observer.endpoint());
    return t.getNodesList().stream()
        .allMatch(info -> (info.getLiveness() == Liveness.UP) == node(info.getNodeId()).isAlive());
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
    killAll();
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or about to: nothing left to do
    }
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
