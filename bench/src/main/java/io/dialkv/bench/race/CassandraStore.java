package io.dialkv.bench.race;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.DefaultConsistencyLevel;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.PreparedStatement;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Apache Cassandra through its own Java driver (token-aware, as dialkv's client is): one table
 * {@code race.kv (k text PRIMARY KEY, v blob)} with replication factor 3. The compare-and-set is a
 * lightweight transaction, {@code INSERT ... IF NOT EXISTS}, Paxos at SERIAL.
 */
final class CassandraStore implements Store {
  private final CqlSession session;
  private final PreparedStatement insert;
  private final PreparedStatement select;
  private final PreparedStatement insertIfAbsent;

  CassandraStore(List<String> endpoints) {
    DriverConfigLoader config = DriverConfigLoader.programmaticBuilder()
        .withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.CONNECTION_INIT_QUERY_TIMEOUT, Duration.ofSeconds(10))
        .withDuration(DefaultDriverOption.METADATA_SCHEMA_REQUEST_TIMEOUT, Duration.ofSeconds(30))
        .withDuration(DefaultDriverOption.CONTROL_CONNECTION_AGREEMENT_TIMEOUT, Duration.ofSeconds(30))
        .build();
    session = CqlSession.builder()
        .withConfigLoader(config)
        .addContactPoints(endpoints.stream().map(e -> {
          int colon = e.lastIndexOf(':');
          return new InetSocketAddress(e.substring(0, colon), Integer.parseInt(e.substring(colon + 1)));
        }).toList())
        .withLocalDatacenter("datacenter1")
        .build();
    session.execute("CREATE KEYSPACE IF NOT EXISTS race WITH replication = "
        + "{'class': 'SimpleStrategy', 'replication_factor': 3}");
    session.execute("CREATE TABLE IF NOT EXISTS race.kv (k text PRIMARY KEY, v blob)");
    insert = session.prepare("INSERT INTO race.kv (k, v) VALUES (?, ?)");
    select = session.prepare("SELECT v FROM race.kv WHERE k = ?");
    insertIfAbsent = session.prepare("INSERT INTO race.kv (k, v) VALUES (?, ?) IF NOT EXISTS");
  }

  @Override
  public List<String> workloads() {
    return List.of(Workloads.WRITE_QUORUM, Workloads.READ_QUORUM, Workloads.READ_ONE, Workloads.CAS);
  }

  @Override
  public CompletableFuture<?> preload(String key, byte[] value) {
    return request(Workloads.WRITE_QUORUM, key, value, 0);
  }

  @Override
  public CompletableFuture<?> request(String workload, String key, byte[] value, long n) {
    return switch (workload) {
      case Workloads.WRITE_QUORUM -> session.executeAsync(insert.bind(key, ByteBuffer.wrap(value))
          .setConsistencyLevel(DefaultConsistencyLevel.QUORUM)).toCompletableFuture();
      case Workloads.READ_QUORUM, Workloads.READ_ONE -> session.executeAsync(select.bind(key)
          .setConsistencyLevel(workload.equals(Workloads.READ_ONE)
              ? DefaultConsistencyLevel.ONE : DefaultConsistencyLevel.QUORUM)).toCompletableFuture();
      case Workloads.CAS -> session.executeAsync(insertIfAbsent.bind(key, ByteBuffer.wrap(value))
          .setConsistencyLevel(DefaultConsistencyLevel.QUORUM)
          .setSerialConsistencyLevel(DefaultConsistencyLevel.SERIAL)).toCompletableFuture()
          .thenAccept(r -> {
            if (!r.wasApplied()) {
              throw new IllegalStateException("a fresh key was found present");
            }
          });
      default -> throw new IllegalArgumentException("Cassandra has no " + workload);
    };
  }

  @Override
  public void close() {
    session.close();
  }
}
