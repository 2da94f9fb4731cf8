package io.dialkv.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
  @TempDir Path dir;

  @Test
  void aCreatedTokenNamesItsClientAndRole() throws Exception {
    Path file = dir.resolve("tokens.txt");
    String alice = Tokens.create(file, "alice", Role.READWRITE, dir.resolve("alice.token"));
    String bob = Tokens.create(file, "bob", Role.READ, dir.resolve("bob.token"));
    Tokens tokens = Tokens.load(file);

    assertThat(tokens.lookup(alice)).contains(Identity.client("alice", Role.READWRITE));
    assertThat(tokens.lookup(bob)).contains(Identity.client("bob", Role.READ));
    assertThat(tokens.lookup(alice + "x")).isEmpty();
    assertThat(tokens.lookup("x".repeat(10_000))).isEmpty();
    assertThat(Tokens.readTokenFile(dir.resolve("alice.token"))).isEqualTo(alice);
    assertThat(Files.readString(file)).doesNotContain(alice).contains(Tokens.hash(alice));
  }

  @Test
  void anEditedFileIsReadAgain() throws Exception {
    Path file = dir.resolve("tokens.txt");
    String alice = Tokens.create(file, "alice", Role.ADMIN, dir.resolve("alice.token"));
    Tokens tokens = Tokens.load(file);
    assertThat(tokens.lookup(alice)).isPresent();

    Files.writeString(file, "# revoked everything\n");
    Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(5)));

    await().atMost(Duration.ofSeconds(5)).until(() -> tokens.lookup(alice).isEmpty());
  }

  @Test
  void aMalformedLineIsNamed() throws Exception {
    Path file = dir.resolve("tokens.txt");
    Files.writeString(file, "alice admin 1234\n");
    assertThatThrownBy(() -> Tokens.load(file)).hasMessageContaining("line 1");
    Files.writeString(file, "alice root " + "a".repeat(64) + "\n");
    assertThatThrownBy(() -> Tokens.load(file)).hasMessageContaining("unknown role 'root'");
  }

  @Test
  void rolesIncludeTheOnesBelow() {
    assertThat(Role.ADMIN.includes(Role.READWRITE)).isTrue();
    assertThat(Role.READWRITE.includes(Role.READ)).isTrue();
    assertThat(Role.READ.includes(Role.READWRITE)).isFalse();
    assertThat(Role.parse("ReadWrite")).isEqualTo(Role.READWRITE);
  }
}
