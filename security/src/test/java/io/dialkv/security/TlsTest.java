package io.dialkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Certificates from the development CA, and who a TLS server of each port lets in. */
class TlsTest {
  @TempDir Path dir;
  private CertificateAuthority ca;
  private Server server;
  private ManagedChannel channel;
  private final List<Tls> opened = new java.util.ArrayList<>();

  private Tls tls(Tls tls) {
    opened.add(tls);
    return tls;
  }

  @BeforeEach
  void makeCa() {
    ca = CertificateAuthority.create(dir.resolve("ca"), "test", CertificateAuthority.DEFAULT_CA_VALIDITY);
    for (int id = 1; id <= 2; id++) {
      ca.issueNode(id, List.of("10.1.0." + id), CertificateAuthority.DEFAULT_VALIDITY, dir.resolve("n" + id));
    }
    ca.issueClient("alice", Role.ADMIN, CertificateAuthority.DEFAULT_VALIDITY, dir.resolve("alice"));
  }

  @AfterEach
  void stop() {
    opened.forEach(Tls::close);
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  @Test
  void certificatesNameWhoTheyBelongTo() {
    X509Certificate node = CertsDir.readCertificate(dir.resolve("n2").resolve(CertsDir.NODE_CERT));
    X509Certificate client = CertsDir.readCertificate(dir.resolve("alice").resolve(CertsDir.CLIENT_CERT));
    X509Certificate caCert = CertsDir.readCertificate(dir.resolve("ca").resolve(CertsDir.CA_CERT));

    assertThat(Identity.of(node)).contains(Identity.node(2));
    assertThat(Identity.of(client)).contains(Identity.client("alice", Role.ADMIN));
    assertThat(Identity.of(caCert)).isEmpty();
    assertThat(Files.exists(dir.resolve("n2").resolve(CertsDir.CA_CERT))).isTrue();
  }

  @Test
  void aCaIsNeverOverwritten() {
    assertThatThrownBy(() -> CertificateAuthority.create(dir.resolve("ca"), "test", Duration.ofDays(1)))
        .hasMessageContaining("already holds a CA");
  }

  @Test
  void aNodeRefusesACertificateOfAnotherNode() {
    assertThatThrownBy(() -> Tls.forNode(dir.resolve("n2"), 1))
        .hasMessageContaining("is the certificate of node n2, not of n1");
  }

  @Test
  void thePeerPortAdmitsNodesOnly() throws Exception {
    serve(tls(Tls.forNode(dir.resolve("n1"), 1)).peerServer());

    assertThat(check(tls(Tls.forNode(dir.resolve("n2"), 2)).peerChannel(1))).isEqualTo(Status.Code.OK);
    assertThat(check(tls(Tls.forClient(dir.resolve("alice"))).clientChannel())).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(check(io.grpc.InsecureChannelCredentials.create())).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aNodeConnectingToAnotherAcceptsOnlyThatNodesCertificate() throws Exception {
    serve(tls(Tls.forNode(dir.resolve("n1"), 1)).peerServer());

    // n2 believes it is talking to n2 at this address (a forged membership record, say).
    assertThat(check(tls(Tls.forNode(dir.resolve("n2"), 2)).peerChannel(2))).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(check(tls(Tls.forNode(dir.resolve("n2"), 2)).peerChannel(0))).isEqualTo(Status.Code.OK);
  }

  @Test
  void theClientPortTakesClientsWithAndWithoutACertificate() throws Exception {
    serve(tls(Tls.forNode(dir.resolve("n1"), 1)).clientServer());
    Path caOnly = dir.resolve("ca-only");
    Files.createDirectories(caOnly);
    Files.copy(dir.resolve("ca").resolve(CertsDir.CA_CERT), caOnly.resolve(CertsDir.CA_CERT));

    assertThat(check(tls(Tls.forClient(dir.resolve("alice"))).clientChannel())).isEqualTo(Status.Code.OK);
    assertThat(check(tls(Tls.forClient(caOnly)).clientChannel())).isEqualTo(Status.Code.OK);
  }

  @Test
  void aClientRefusesAServerFromAnotherCa() throws Exception {
    CertificateAuthority other = CertificateAuthority.create(dir.resolve("other"), "other", Duration.ofDays(10));
    other.issueNode(1, List.of(), Duration.ofDays(10), dir.resolve("impostor"));
    serve(tls(Tls.forNode(dir.resolve("impostor"), 1)).clientServer());

    assertThat(check(tls(Tls.forClient(dir.resolve("alice"))).clientChannel())).isEqualTo(Status.Code.UNAVAILABLE);
  }

  @Test
  void aRotatedCertificateIsUsedWithoutARestart() throws Exception {
    Tls n1 = tls(Tls.forNode(dir.resolve("n1"), 1, Duration.ofMillis(200)));
    serve(n1.peerServer());
    Path n2 = dir.resolve("n2");
    assertThat(check(tls(Tls.forNode(n2, 2)).peerChannel(1))).isEqualTo(Status.Code.OK);

    // A new CA replaces the old one in n1's folder; n2 still has the old CA and certificate.
    Files.delete(dir.resolve("ca").resolve(CertsDir.CA_CERT));
    Files.delete(dir.resolve("ca").resolve(CertsDir.CA_KEY));
    CertificateAuthority next = CertificateAuthority.create(dir.resolve("ca"), "test", Duration.ofDays(10));
    next.issueNode(1, List.of(), Duration.ofDays(10), dir.resolve("n1"));
    Tls oldN2 = tls(Tls.forNode(n2, 2, Duration.ofMillis(200)));

    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
        .until(() -> check(oldN2.peerChannel(1)) == Status.Code.UNAVAILABLE);
    next.issueNode(2, List.of(), Duration.ofDays(10), n2);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(500))
        .until(() -> check(oldN2.peerChannel(1)) == Status.Code.OK);
  }

  private void serve(ServerCredentials credentials) throws Exception {
    HealthStatusManager health = new HealthStatusManager();
    server = Grpc.newServerBuilderForPort(0, credentials).addService(health.getHealthService()).build().start();
  }

  private Status.Code check(ChannelCredentials credentials) {
    if (channel != null) {
      channel.shutdownNow();
    }
    channel = Grpc.newChannelBuilderForAddress("127.0.0.1", server.getPort(), credentials).build();
    try {
      HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, TimeUnit.SECONDS)
          .check(HealthCheckRequest.getDefaultInstance());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }
}
