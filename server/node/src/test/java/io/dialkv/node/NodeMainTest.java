package io.dialkv.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class NodeMainTest {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"-1", "2048", "100000"})
  void aCacheOutsideItsBoundsIsRefusedWithTheBoundsBeforeAnythingStarts(String cacheMb) {
    CommandLine cli = NodeMain.commandLine();
    StringWriter err = new StringWriter();
    cli.setErr(new PrintWriter(err));

    int exit = cli.execute("--node-id", "1", "--data-dir", dir.resolve("n1").toString(), "--insecure",
        "--listen", "127.0.0.1:0", "--peer-listen", "127.0.0.1:0", "--peers", "1=127.0.0.1:1", "--cache-mb", cacheMb);

    assertThat(exit).isEqualTo(1);
    assertThat(err.toString()).contains("--cache-mb must be 0 to 1024 and at most half the heap").contains("got " + cacheMb);
    assertThat(dir.resolve("n1")).doesNotExist();
  }

  @Test
  void theDefaultCacheIsAnEighthOfASmallHeapAndAtMost256Mb() {
    assertThat(NodeMain.defaultCacheMb(8192)).isEqualTo(256);
    assertThat(NodeMain.defaultCacheMb(2048)).isEqualTo(256);
    assertThat(NodeMain.defaultCacheMb(512)).isEqualTo(64);
    assertThat(NodeMain.defaultCacheMb(64)).as("within the bound checked at start: half the heap").isEqualTo(8);
  }
}
