package io.dialkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckCommandTest {
  @TempDir Path dir;

  private record Result(int exit, String out, String err) {}

  private Result check(String history, String... options) throws IOException {
    Path file = dir.resolve("history.edn");
    Files.writeString(file, history);
    String[] args = new String[options.length + 2];
    args[0] = "check";
    args[1] = file.toString();
    System.arraycopy(options, 0, args, 2, options.length);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = DialCli.run(args, new PrintWriter(out), new PrintWriter(err));
    return new Result(exit, out.toString(), err.toString());
  }

  private static final String STALE_READ = """
      [{:process 0 :type :invoke :f :write :value 1}
       {:process 0 :type :ok :f :write :value 1}
       {:process 1 :type :invoke :f :read :value nil}
       {:process 1 :type :ok :f :read :value 0}]""";

  @Test
  void notLinearizableExitsOneWithACounterexample() throws IOException {
    Result r = check(STALE_READ, "--model", "register");
    assertThat(r.exit()).isEqualTo(1);
    assertThat(r.out()).contains("NOT linearizable").contains("p1 read -> 0").contains("p0 write 1");
  }

  @Test
  void linearizableExitsZeroAndTheInitialValueMatters() throws IOException {
    String readOfInitial = """
        [{:process 1 :type :invoke :f :read :value nil}
         {:process 1 :type :ok :f :read :value 7}]""";
    assertThat(check(readOfInitial, "-m", "register").exit()).isEqualTo(1);
    Result r = check(readOfInitial, "-m", "register", "--initial", "7", "-o", "json");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("\"verdict\": \"linearizable\"");
  }

  @Test
  void anExhaustedBudgetExitsTwo() throws IOException {
    assertThat(check(STALE_READ, "-m", "register", "--max-steps", "1").exit()).isEqualTo(2);
  }

  @Test
  void unreadableHistoriesAndUnknownModelsAreClearErrors() throws IOException {
    Result garbage = check("[{:process 0 :type", "-m", "register");
    assertThat(garbage.exit()).isEqualTo(65);
    assertThat(garbage.err()).contains("cannot read history");

    Result model = check(STALE_READ, "-m", "queue");
    assertThat(model.exit()).isEqualTo(2);
    assertThat(model.err()).contains("unknown model 'queue'");

    Result misfit = check(STALE_READ.replace(":write", ":enqueue"), "-m", "register");
    assertThat(misfit.exit()).isEqualTo(65);
    assertThat(misfit.err()).contains("register has no operation :enqueue");
  }
}
