package io.dialkv.cli;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.dialkv.client.DialClient;
import io.dialkv.proto.v1.CompareAndSetResponse;
import io.dialkv.proto.v1.DeleteResponse;
import io.dialkv.proto.v1.GetResponse;
import io.dialkv.proto.v1.PutResponse;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** get, put and delete of plain keys. */
final class KeyCommands {
  private KeyCommands() {}

  @Command(
      name = "get",
      mixinStandardHelpOptions = true,
      description = "Read a key.",
      footer = {"", "Prints the value, or '(not found)'. " + ExitCodes.HELP})
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin LevelOption level;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key (1 to 256 bytes of UTF-8).")
    String key;

    @Option(
        names = "--trace",
        description =
            "Also ask the replicas that do not count toward the level and show what each had, "
                + "so a stale answer shows as stale.")
    boolean trace;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (DialClient c = client.connectForOneKey()) {
        GetResponse r = c.get(key, level.proto(), trace);
        if (client.json()) {
          JsonObject json = new JsonObject();
          json.addProperty("key", key);
          json.addProperty("found", r.getFound());
          json.addProperty("value", r.getFound() ? text(r.getValue()) : null);
          json.add("timestamp", r.getFound() ? JsonParser.parseString(Printer.json(r.getTimestamp())) : null);
          json.add("provenance", JsonParser.parseString(Printer.json(r.getProvenance())));
          out.println(Printer.GSON.toJson(json));
          return ExitCodes.OK;
        }
        out.println(r.getFound() ? text(r.getValue()) : "(not found)");
        if (trace) {
          if (r.getFound()) {
            out.println("timestamp " + Printer.timestamp(r.getTimestamp()));
          }
          Printer.provenance(out, r.getProvenance(), true);
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "put",
      mixinStandardHelpOptions = true,
      description = "Write a key's value.",
      footer = {"", ExitCodes.HELP})
  static final class Put implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin LevelOption level;

    @Parameters(index = "0", paramLabel = "KEY", description = "The key (1 to 256 bytes of UTF-8).")
    String key;

    @Parameters(index = "1", paramLabel = "VALUE", description = "The value, as text.")
    String value;

    @Option(names = "--trace", description = "Show which replicas acknowledged and the timestamp given.")
    boolean trace;

    @Option(names = "--if-absent",
        description = "Write only if the key does not exist (a linearizable compare-and-set); exit 1 if it does.")
    boolean ifAbsent;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      if (ifAbsent) {
        return Cas.run(spec, client, key, null, value, trace);
      }
      try (DialClient c = client.connectForOneKey()) {
        PutResponse r = c.put(key, value.getBytes(StandardCharsets.UTF_8), level.proto());
        if (client.json()) {
          out.println(Printer.json(r));
        } else {
          out.println("OK");
          if (trace) {
            Printer.provenance(out, r.getProvenance(), false);
          }
        }
        return ExitCodes.OK;
      }
    }
  }

  @Command(
      name = "cas",
      mixinStandardHelpOptions = true,
      description = {
        "Compare-and-set a key, linearizably: set the new value only if the key holds the expected one.",
        "Only one of many concurrent claims of the same value can win (e.g. a username)."
      },
      footer = {"", "Exit status: 0 applied; 1 not applied (the current value is printed); 3 unavailable or "
          + "contention (nothing was done); 4 timed out (it may have been applied); 2 usage error."})
  static final class Cas implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Option(names = "--expect", paramLabel = "VALUE", description = "The value the key must hold.")
    String expect;

    @Option(names = "--expect-absent", description = "The key must not exist.")
    boolean expectAbsent;

    @Option(names = "--set", paramLabel = "VALUE", required = true, description = "The new value.")
    String set;

    @Option(names = "--trace", description = "Show the Paxos ballot, rounds, promises and acceptances.")
    boolean trace;

    @Override
    public Integer call() {
      if ((expect == null) == !expectAbsent) {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give exactly one of --expect VALUE or --expect-absent");
      }
      return run(spec, client, key, expect, set, trace);
    }

    static int run(CommandSpec spec, ClientOptions client, String key, String expect, String value, boolean trace) {
      PrintWriter out = spec.commandLine().getOut();
      try (DialClient c = client.connectForOneKey()) {
        CompareAndSetResponse r = c.compareAndSet(key,
            expect == null ? null : expect.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
        if (client.json()) {
          out.println(Printer.json(r));
        } else if (r.getApplied()) {
          out.println("OK");
        } else {
          out.println("not applied: " + (r.getFound() ? "current value is " + text(r.getCurrentValue()) : "the key is absent"));
        }
        if (trace && !client.json()) {
          Printer.provenance(out, r.getProvenance(), false);
        }
        return r.getApplied() ? ExitCodes.OK : ExitCodes.FAILURE;
      }
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = "Delete a key (writes a tombstone that wins over older values).",
      footer = {"", ExitCodes.HELP})
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin LevelOption level;

    @Parameters(index = "0", paramLabel = "KEY")
    String key;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (DialClient c = client.connectForOneKey()) {
        DeleteResponse r = c.delete(key, level.proto());
        out.println(client.json() ? Printer.json(r) : "OK");
        return ExitCodes.OK;
      }
    }
  }

  /** The value as UTF-8 text, or base64 (prefixed) if it is not valid UTF-8. */
  static String text(ByteString value) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .decode(ByteBuffer.wrap(value.toByteArray()))
          .toString();
    } catch (CharacterCodingException e) {
      return "base64:" + Base64.getEncoder().encodeToString(value.toByteArray());
    }
  }
}
