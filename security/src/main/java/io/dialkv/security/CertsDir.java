package io.dialkv.security;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;

/**
 * The files of one party's TLS setup, in one folder (as CockroachDB's {@code --certs-dir}): the
 * cluster CA's certificate {@code ca.crt}, and the party's own certificate and private key,
 * {@code node.crt} and {@code node.key} for a node, {@code client.crt} and {@code client.key} for a
 * client. Keys are PKCS#8 PEM. {@code dialkv certs} makes such folders.
 */
public record CertsDir(Path dir) {
  public static final String CA_CERT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String NODE_CERT = "node.crt";
  public static final String NODE_KEY = "node.key";
  public static final String CLIENT_CERT = "client.crt";
  public static final String CLIENT_KEY = "client.key";

  public Path ca() {
    return dir.resolve(CA_CERT);
  }

  public Path nodeCert() {
    return dir.resolve(NODE_CERT);
  }

  public Path nodeKey() {
    return dir.resolve(NODE_KEY);
  }

  public Path clientCert() {
    return dir.resolve(CLIENT_CERT);
  }

  public Path clientKey() {
    return dir.resolve(CLIENT_KEY);
  }

  /** Whether the folder holds a client certificate and key (else the client uses only the CA). */
  public boolean hasClientCertificate() {
    return Files.isRegularFile(clientCert()) && Files.isRegularFile(clientKey());
  }

  /** Fails with a message naming the first missing file and how to make it. */
  public void require(Path... files) {
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("certificates folder " + dir + " does not exist; make one with "
          + "'dialkv certs init' and 'dialkv certs node' or 'dialkv certs client'");
    }
    for (Path f : files) {
      if (!Files.isRegularFile(f)) {
        throw new IllegalArgumentException(f + " is missing; make it with 'dialkv certs "
            + (f.getFileName().toString().startsWith("node") ? "node" : f.getFileName().toString()
                .startsWith("client") ? "client" : "init") + "' (see dialkv certs --help)");
      }
    }
  }

  /** Reads the first certificate of a PEM file. */
  public static X509Certificate readCertificate(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
    } catch (IOException | GeneralSecurityException | ClassCastException e) {
      throw new IllegalArgumentException("cannot read the certificate in " + file + ": " + e.getMessage(), e);
    }
  }
}
