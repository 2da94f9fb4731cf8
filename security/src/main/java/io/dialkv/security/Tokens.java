package io.dialkv.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Bearer tokens: a node's tokens file, and making new tokens.
 *
 * <p>The file holds one line per token, {@code <name> <role> <sha256 of the token, hex>}, with
 * {@code #} comments, so the file itself gives no token away. A node reads it again (at most once
 * a second, when a call needs it) after it changes, so tokens are added and revoked without a
 * restart. Thread-safe.
 */
public final class Tokens {
  private static final Logger log = LoggerFactory.getLogger(Tokens.class);
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern HASH = Pattern.compile("[0-9a-f]{64}");
  /** Longest token accepted in a request: anything longer is not ours, and costs nothing to refuse. */
  public static final int MAX_TOKEN_CHARS = 256;
  private static final long RECHECK_NANOS = 1_000_000_000L;

  private final Path file;
  private volatile Map<String, Identity> byHash;
  private volatile FileTime loadedVersion;
  private volatile long checkedAtNanos;

  private Tokens(Path file) {
    this.file = file;
  }

  /**
   * The tokens of a file.
   *
   * @throws IllegalArgumentException if the file is missing or a line is malformed
   */
  public static Tokens load(Path file) {
    Tokens tokens = new Tokens(file);
    tokens.byHash = parse(file);
    tokens.loadedVersion = modified(file);
    tokens.checkedAtNanos = System.nanoTime();
    return tokens;
  }

  /** The identity the token belongs to, if it is in the file. */
  public Optional<Identity> lookup(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      return Optional.empty();
    }
    reloadIfChanged();
    return Optional.ofNullable(byHash.get(hash(token)));
  }

  public Path file() {
    return file;
  }

  private void reloadIfChanged() {
    long now = System.nanoTime();
    if (now - checkedAtNanos < RECHECK_NANOS) {
      return;
    }
    synchronized (this) {
      if (now - checkedAtNanos < RECHECK_NANOS) {
        return;
      }
      checkedAtNanos = now;
      FileTime version = modified(file);
      if (version == null || version.equals(loadedVersion)) {
        return;
      }
      try {
        byHash = parse(file);
        loadedVersion = version;
        log.info("tokens file {} reloaded: {} tokens", file, byHash.size());
      } catch (IllegalArgumentException e) {
        // Keep serving with the tokens known to be good; say once what is wrong.
        loadedVersion = version;
        log.warn("tokens file {} changed but cannot be read, keeping the previous tokens: {}", file, e.getMessage());
      }
    }
  }

  private static FileTime modified(Path file) {
    try {
      return Files.getLastModifiedTime(file);
    } catch (IOException e) {
      return null;
    }
  }

  private static Map<String, Identity> parse(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the tokens file " + file + ": " + e.getMessage(), e);
    }
    Map<String, Identity> tokens = new HashMap<>();
    for (int i = 0; i < lines.size(); i++) {
      String line = lines.get(i).strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      String where = file + " line " + (i + 1);
      if (parts.length != 3 || !HASH.matcher(parts[2]).matches()) {
        throw new IllegalArgumentException(where + " is not '<name> <role> <sha256 hex of the token>'");
      }
      Identity identity;
      try {
        identity = Identity.client(parts[0], Role.parse(parts[1]));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
      }
      tokens.put(parts[2], identity);
    }
    return Map.copyOf(tokens);
  }

  /** A new random token (256 bits). */
  public static String generate() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return "dkv_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The token's SHA-256, hex: what a tokens file holds. */
  public static String hash(String token) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  /**
   * Makes a token for a client: appends its line to {@code tokensFile} (created if missing) and
   * writes the token itself to {@code tokenOut}, readable by its owner only.
   *
   * @return the token
   */
  public static String create(Path tokensFile, String name, Role role, Path tokenOut) throws IOException {
    Identity identity = Identity.client(name, role);
    String token = generate();
    if (tokenOut.getParent() != null) {
      Files.createDirectories(tokenOut.getParent());
    }
    Files.deleteIfExists(tokenOut);
    Files.createFile(tokenOut);
    CertificateAuthority.restrict(tokenOut);
    Files.writeString(tokenOut, token + "\n", StandardCharsets.US_ASCII);
    if (tokensFile.getParent() != null) {
      Files.createDirectories(tokensFile.getParent());
    }
    boolean fresh = !Files.exists(tokensFile);
    Files.writeString(tokensFile,
        (fresh ? "# dialkv tokens: <name> <role> <sha256 of the token>\n" : "")
            + identity.name() + " " + role.label() + " " + hash(token) + "\n",
        StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    return token;
  }

  /** Reads a token from a file a client was given (the first line, trimmed). */
  public static String readTokenFile(Path file) {
    try {
      String token = Files.readString(file, StandardCharsets.UTF_8).strip();
      int newline = token.indexOf('\n');
      token = newline < 0 ? token : token.substring(0, newline).strip();
      if (token.isEmpty()) {
        throw new IllegalArgumentException("token file " + file + " is empty");
      }
      return token;
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read the token file " + file + ": " + e.getMessage(), e);
    }
  }
}
