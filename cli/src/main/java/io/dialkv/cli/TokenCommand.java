package io.dialkv.cli;

import io.dialkv.security.Role;
import io.dialkv.security.Tokens;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code dialkv token}: bearer tokens for clients. */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description = {
      "Bearer tokens: another way for a client to authenticate, with a role (read, readwrite, admin).",
      "A node reads the tokens it accepts from its --tokens-file, which holds only their SHA-256, and",
      "rereads it when it changes: delete a line to revoke a token."
    },
    subcommands = TokenCommand.Create.class,
    footer = {"", ExitCodes.HELP})
final class TokenCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Make a token: its hash goes into --tokens-file, the token itself into --out (owner-readable).")
  static final class Create implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--name", required = true, description = "The client's name (letters, digits, . _ @ -).")
    String name;

    @Option(names = "--role", required = true, description = "read, readwrite or admin.")
    String role;

    @Option(names = "--tokens-file", required = true, paramLabel = "FILE",
        description = "The nodes' tokens file (created if missing, else appended to).")
    Path tokensFile;

    @Option(names = "--out", required = true, paramLabel = "FILE",
        description = "Where the token goes, for the client's --token-file.")
    Path out;

    @Override
    public Integer call() throws IOException {
      Role r = Role.parse(role);
      Tokens.create(tokensFile, name, r, out);
      spec.commandLine().getOut().println("token for '" + name + "' (role " + r.label() + ") in " + out
          + "; its hash is in " + tokensFile);
      return ExitCodes.OK;
    }
  }
}
