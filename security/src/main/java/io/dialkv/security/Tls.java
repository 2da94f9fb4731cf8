package io.dialkv.security;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.CertificateUtils;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.grpc.util.AdvancedTlsX509TrustManager.Verification;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS credentials from a {@link CertsDir}, for both sides of both ports. The files are read again
 * when they change (checked every 10 s by default), so certificates can be rotated without a
 * restart: connections made after the change use the new ones.
 *
 * <p>Trust is the cluster CA alone, with no host name check: which party is at the other end is
 * decided by the {@link Identity} its certificate names, checked here during the handshake:
 *
 * <ul>
 *   <li>the peer port accepts only node certificates ({@link #peerServer});
 *   <li>a node connecting to node N accepts only N's certificate ({@link #peerChannel}), so an
 *       address forged into the membership leads nowhere;
 *   <li>a client accepts only node certificates from the nodes it talks to ({@link #clientChannel}).
 * </ul>
 */
public final class Tls implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Tls.class);
  /** How often the files are checked for changes, unless told otherwise. */
  public static final Duration DEFAULT_RELOAD = Duration.ofSeconds(10);
  private static final ScheduledExecutorService RELOADER = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "dialkv-tls-reload");
    t.setDaemon(true);
    return t;
  });

  private final CertsDir dir;
  private final AdvancedTlsX509KeyManager keys; // null: a client without a certificate
  private final List<Runnable> reloads = new ArrayList<>();
  private final String owner;
  private final Duration reloadEvery;
  private final Map<Integer, ChannelCredentials> peerChannels = new ConcurrentHashMap<>();
  private ChannelCredentials clientChannel;

  private Tls(CertsDir dir, Path cert, Path key, String owner, Duration reloadEvery) {
    this.dir = dir;
    this.owner = owner;
    this.reloadEvery = reloadEvery;
    if (cert != null) {
      keys = new AdvancedTlsX509KeyManager();
      watch(List.of(cert, key), () -> {
        try (InputStream certs = Files.newInputStream(cert); InputStream k = Files.newInputStream(key)) {
          keys.updateIdentityCredentials(CertificateUtils.getX509Certificates(certs), CertificateUtils.getPrivateKey(k));
        }
      });
    } else {
      keys = null;
    }
  }

  /**
   * Runs {@code load} now, then again whenever one of the files changes (checked every
   * {@link #reloadEvery}). A failed load keeps what was loaded before and says so once per change.
   */
  private void watch(List<Path> files, Loader load) {
    try {
      load.run();
    } catch (IOException | GeneralSecurityException | RuntimeException e) {
      throw new IllegalArgumentException("cannot load " + files + " (" + owner + "): " + e.getMessage(), e);
    }
    List<FileTime> loaded = new ArrayList<>(modified(files));
    ScheduledFuture<?> task = RELOADER.scheduleWithFixedDelay(() -> {
      List<FileTime> now = modified(files);
      if (now.equals(loaded)) {
        return;
      }
      loaded.clear();
      loaded.addAll(now);
      try {
        load.run();
        log.info("{}: reloaded {}", owner, files);
      } catch (IOException | GeneralSecurityException | RuntimeException e) {
        log.warn("{}: {} changed but cannot be loaded; keeping the previous certificates: {}", owner, files,
            e.getMessage());
      }
    }, reloadEvery.toMillis(), reloadEvery.toMillis(), TimeUnit.MILLISECONDS);
    synchronized (reloads) {
      reloads.add(() -> task.cancel(false));
    }
  }

  private interface Loader {
    void run() throws IOException, GeneralSecurityException;
  }

  private static List<FileTime> modified(List<Path> files) {
    List<FileTime> times = new ArrayList<>();
    for (Path f : files) {
      try {
        times.add(Files.getLastModifiedTime(f));
      } catch (IOException e) {
        times.add(FileTime.fromMillis(-1));
      }
    }
    return times;
  }

  /**
   * A node's credentials: {@code node.crt} must name this node.
   *
   * @throws IllegalArgumentException if a file is missing or names another identity
   */
  public static Tls forNode(Path certsDir, int nodeId) {
    return forNode(certsDir, nodeId, DEFAULT_RELOAD);
  }

  /** As {@link #forNode(Path, int)}, checking the files for changes this often. */
  public static Tls forNode(Path certsDir, int nodeId, Duration reloadEvery) {
    CertsDir dir = new CertsDir(certsDir);
    dir.require(dir.ca(), dir.nodeCert(), dir.nodeKey());
    X509Certificate cert = CertsDir.readCertificate(dir.nodeCert());
    Identity named = Identity.of(cert).orElseThrow(() -> new IllegalArgumentException(
        dir.nodeCert() + " names no dialkv node (its subject alternative names lack dialkv:node:<id>); "
            + "make it with 'dialkv certs node --id " + nodeId + "'"));
    if (!named.equals(Identity.node(nodeId))) {
      throw new IllegalArgumentException(dir.nodeCert() + " is the certificate of " + named.describe()
          + ", not of n" + nodeId);
    }
    log.info("n{}: TLS with {} (valid until {}), trusting the CA in {}", nodeId, dir.nodeCert(),
        cert.getNotAfter().toInstant(), dir.ca());
    return new Tls(dir, dir.nodeCert(), dir.nodeKey(), "n" + nodeId, reloadEvery);
  }

  /** A client's credentials: the CA, and {@code client.crt} with its key if the folder has them. */
  public static Tls forClient(Path certsDir) {
    return forClient(certsDir, DEFAULT_RELOAD);
  }

  /** As {@link #forClient(Path)}, checking the files for changes this often. */
  public static Tls forClient(Path certsDir, Duration reloadEvery) {
    CertsDir dir = new CertsDir(certsDir);
    dir.require(dir.ca());
    if (dir.hasClientCertificate()) {
      X509Certificate cert = CertsDir.readCertificate(dir.clientCert());
      Identity named = Identity.of(cert).filter(i -> !i.isNode()).orElseThrow(() -> new IllegalArgumentException(
          dir.clientCert() + " names no dialkv client (dialkv:client:<name> and dialkv:role:<role>); make it with "
              + "'dialkv certs client'"));
      return new Tls(dir, dir.clientCert(), dir.clientKey(), named.describe(), reloadEvery);
    }
    return new Tls(dir, null, null, "client", reloadEvery);
  }

  /** The peer port: mutual TLS, and only certificates that name a node. */
  public ServerCredentials peerServer() {
    return TlsServerCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(trust(Identity::isNode, "the peer port accepts node certificates only"))
        .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE)
        .build();
  }

  /**
   * The client port: TLS; a client may present a certificate from the cluster CA (its role is
   * checked per call) or authenticate with a token instead.
   */
  public ServerCredentials clientServer() {
    return TlsServerCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(trust(identity -> true, ""))
        .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL)
        .build();
  }

  /**
   * An HTTPS listener of the node (the metrics port): the node's certificate, and a client
   * certificate from the cluster CA accepted but not required (the caller may show a token instead;
   * whoever serves checks the identity per request).
   */
  public SSLContext httpsServer() {
    return sslContext(trust(identity -> true, ""));
  }

  private SSLContext sslContext(TrustManager trust) {
    try {
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : new KeyManager[] {keys}, new TrustManager[] {trust}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot set up TLS for HTTPS (" + owner + "): " + e.getMessage(), e);
    }
  }

  /**
   * An HTTPS client of a node's HTTPS listener (the metrics port): trusts the cluster CA for node
   * certificates only, and shows the client certificate if this has one.
   */
  public SSLContext httpsClient() {
    return sslContext(trust(Identity::isNode, "expected a dialkv node certificate"));
  }

  /**
   * A node's connection to node {@code expected} (0: to whichever node answers, as a joiner asks a
   * seed). One per expected node, shared by every channel to it.
   */
  public ChannelCredentials peerChannel(int expected) {
    return peerChannels.computeIfAbsent(expected, this::newPeerChannel);
  }

  private ChannelCredentials newPeerChannel(int expected) {
    return TlsChannelCredentials.newBuilder()
        .keyManager(keys)
        .trustManager(trust(
            identity -> identity.isNode() && (expected == 0 || identity.nodeId() == expected),
            expected == 0 ? "expected a node certificate" : "expected the certificate of n" + expected))
        .build();
  }

  /**
   * A client's connection to a node: the node must present a node certificate from the CA. One,
   * shared by every channel of every client using these credentials.
   */
  public synchronized ChannelCredentials clientChannel() {
    if (clientChannel != null) {
      return clientChannel;
    }
    TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder()
        .trustManager(trust(Identity::isNode, "expected a dialkv node certificate"));
    if (keys != null) {
      b.keyManager(keys);
    }
    clientChannel = b.build();
    return clientChannel;
  }

  private AdvancedTlsX509TrustManager trust(Predicate<Identity> accepted, String expectation) {
    try {
      AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder()
          .setVerification(Verification.CERTIFICATE_ONLY_VERIFICATION)
          .setSslSocketAndEnginePeerVerifier(new AdvancedTlsX509TrustManager.SslSocketAndEnginePeerVerifier() {
            @Override
            public void verifyPeerCertificate(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws CertificateException {
              check(chain);
            }

            @Override
            public void verifyPeerCertificate(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                throws CertificateException {
              check(chain);
            }

            private void check(X509Certificate[] chain) throws CertificateException {
              Identity identity = chain.length == 0 ? null : Identity.of(chain[0]).orElse(null);
              if (identity == null) {
                throw new CertificateException("the certificate names no dialkv identity; " + expectation);
              }
              if (!accepted.test(identity)) {
                throw new CertificateException("the certificate is of " + identity.describe() + "; " + expectation);
              }
            }
          })
          .build();
      watch(List.of(dir.ca()), () -> {
        try (InputStream in = Files.newInputStream(dir.ca())) {
          trust.updateTrustCredentials(CertificateUtils.getX509Certificates(in));
        }
      });
      return trust;
    } catch (CertificateException e) {
      throw new IllegalArgumentException("cannot set up trust in " + dir.ca() + " (" + owner + "): "
          + e.getMessage(), e);
    }
  }

  /** The folder the credentials come from. */
  public Path dir() {
    return dir.dir();
  }

  /** Stops watching the files. */
  @Override
  public void close() {
    synchronized (reloads) {
      reloads.forEach(Runnable::run);
      reloads.clear();
    }
  }
}
