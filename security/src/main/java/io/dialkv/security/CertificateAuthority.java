package io.dialkv.security;

import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A development certificate authority for one cluster, in a folder: {@code ca.crt} and
 * {@code ca.key}. It issues node certificates (naming a node id, for both ports) and client
 * certificates (naming a client and its role). Keys are ECDSA P-256; private keys are written
 * readable by their owner only.
 *
 * <p>For production, use your own CA: any that issues certificates with the URI names of
 * {@link Identity} works, and the CA key need never be on a node.
 */
public final class CertificateAuthority {
  public static final Duration DEFAULT_CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration DEFAULT_VALIDITY = Duration.ofDays(365);
  private static final Pattern CLUSTER_NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  private static final SecureRandom RANDOM = new SecureRandom();

  private final CertsDir dir;
  private final X509Certificate caCert;
  private final PrivateKey caKey;

  private CertificateAuthority(CertsDir dir, X509Certificate caCert, PrivateKey caKey) {
    this.dir = dir;
    this.caCert = caCert;
    this.caKey = caKey;
  }

  /**
   * Creates a CA in the folder (made if missing).
   *
   * @throws IllegalArgumentException if the folder already holds a CA (it is never overwritten)
   */
  public static CertificateAuthority create(Path folder, String clusterName, Duration validity) {
    if (!CLUSTER_NAME.matcher(clusterName).matches()) {
      throw new IllegalArgumentException("cluster name '" + clusterName + "' must be 1 to 64 letters, digits or . _ -");
    }
    CertsDir dir = new CertsDir(folder);
    if (Files.exists(dir.ca()) || Files.exists(folder.resolve(CertsDir.CA_KEY))) {
      throw new IllegalArgumentException(folder + " already holds a CA (" + CertsDir.CA_CERT
          + "); it is never overwritten: delete it first to start over (every certificate it issued stops working)");
    }
    try {
      Files.createDirectories(folder);
      KeyPair pair = newKeyPair();
      X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
          .addRDN(BCStyle.O, "dialkv").addRDN(BCStyle.CN, "dialkv CA " + clusterName).build();
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(), Date.from(now.minusSeconds(300)),
          Date.from(now.plus(validity)), name, pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(pair.getPrivate())));
      writeKey(folder.resolve(CertsDir.CA_KEY), pair.getPrivate());
      writePem(dir.ca(), cert);
      return new CertificateAuthority(dir, cert, pair.getPrivate());
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not create the CA in " + folder + ": " + e.getMessage(), e);
    }
  }

  /** The CA in the folder ({@code ca.crt} and {@code ca.key}). */
  public static CertificateAuthority open(Path folder) {
    CertsDir dir = new CertsDir(folder);
    Path key = folder.resolve(CertsDir.CA_KEY);
    dir.require(dir.ca(), key);
    try {
      return new CertificateAuthority(dir, CertsDir.readCertificate(dir.ca()), readKey(key));
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read the CA key " + key + ": " + e.getMessage(), e);
    }
  }

  /**
   * Writes {@code ca.crt}, {@code node.crt} and {@code node.key} for node {@code id} into
   * {@code out}. The certificate also names {@code hosts} (and localhost, 127.0.0.1) for tools that
   * check host names.
   */
  public void issueNode(int id, List<String> hosts, Duration validity, Path out) {
    Identity identity = Identity.node(id);
    List<String> allHosts = new ArrayList<>(List.of("localhost", "127.0.0.1"));
    hosts.stream().filter(h -> !allHosts.contains(h)).forEach(allHosts::add);
    issue(identity, allHosts, validity, out, CertsDir.NODE_CERT, CertsDir.NODE_KEY, true);
  }

  /** Writes {@code ca.crt}, {@code client.crt} and {@code client.key} for a client into {@code out}. */
  public void issueClient(String name, Role role, Duration validity, Path out) {
    issue(Identity.client(name, role), List.of(), validity, out, CertsDir.CLIENT_CERT, CertsDir.CLIENT_KEY, false);
  }

  private void issue(Identity identity, List<String> hosts, Duration validity, Path out, String certFile,
      String keyFile, boolean server) {
    try {
      Files.createDirectories(out);
      KeyPair pair = newKeyPair();
      X500NameBuilder subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "dialkv");
      if (identity.role() != null) {
        subject.addRDN(BCStyle.OU, identity.role().label());
      }
      subject.addRDN(BCStyle.CN, identity.name());
      Instant now = Instant.now();
      X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(), Date.from(now.minusSeconds(300)),
          Date.from(now.plus(validity)), subject.build(), pair.getPublic());
      JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
      List<GeneralName> names = new ArrayList<>();
      identity.uris().forEach(u -> names.add(new GeneralName(GeneralName.uniformResourceIdentifier, u)));
      for (String host : hosts) {
        names.add(isIpAddress(host) ? new GeneralName(GeneralName.iPAddress, host) : new GeneralName(GeneralName.dNSName, host));
      }
      b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names.toArray(GeneralName[]::new)));
      b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
      b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
      b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(server
          ? new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}
          : new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth}));
      b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
      b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(pair.getPublic()));
      X509Certificate cert = new JcaX509CertificateConverter().getCertificate(b.build(signer(caKey)));
      // Key first, then certificate, each written whole and moved into place: a node reloading
      // the folder never reads half a file.
      writeKey(out.resolve(keyFile), pair.getPrivate());
      writePem(out.resolve(certFile), cert);
      if (!out.toAbsolutePath().normalize().equals(dir.dir().toAbsolutePath().normalize())) {
        Files.copy(dir.ca(), out.resolve(CertsDir.CA_CERT), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException | GeneralSecurityException | OperatorCreationException e) {
      throw new IllegalStateException("could not issue a certificate for " + identity.describe() + ": "
          + e.getMessage(), e);
    }
  }

  private static boolean isIpAddress(String host) {
    if (!host.matches("[0-9.]+") && !host.contains(":")) {
      return false;
    }
    try {
      InetAddress.getByName(host); // a literal: no lookup
      return true;
    } catch (UnknownHostException e) {
      return false;
    }
  }

  private static KeyPair newKeyPair() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
    return g.generateKeyPair();
  }

  private static ContentSigner signer(PrivateKey key) throws OperatorCreationException {
    return new JcaContentSignerBuilder("SHA256withECDSA").build(key);
  }

  private static BigInteger serial() {
    return new BigInteger(127, RANDOM).add(BigInteger.ONE);
  }

  private static void writePem(Path file, Object value) throws IOException {
    StringWriter text = new StringWriter();
    try (JcaPEMWriter pem = new JcaPEMWriter(text)) {
      pem.writeObject(value);
    }
    writeAtomically(file, text.toString(), false);
  }

  /** PKCS#8 ("BEGIN PRIVATE KEY"), the form gRPC's and the JDK's key loaders read. */
  private static void writeKey(Path file, PrivateKey key) throws IOException {
    String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(key.getEncoded());
    writeAtomically(file, "-----BEGIN PRIVATE KEY-----\n" + body + "\n-----END PRIVATE KEY-----\n", true);
  }

  private static PrivateKey readKey(Path file) throws IOException, GeneralSecurityException {
    String pem = Files.readString(file, StandardCharsets.US_ASCII);
    String body = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
    return KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(body)));
  }

  private static void writeAtomically(Path file, String content, boolean secret) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    Files.deleteIfExists(tmp);
    Files.createFile(tmp);
    if (secret) {
      restrict(tmp);
    }
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.US_ASCII)) {
      w.write(content);
    }
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** Readable and writable by the owner only, where the file system has POSIX permissions. */
  static void restrict(Path file) throws IOException {
    try {
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system: its own defaults apply
    }
  }
}
