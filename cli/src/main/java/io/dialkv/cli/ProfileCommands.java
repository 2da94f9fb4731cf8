package io.dialkv.cli;

import io.dialkv.client.DialClient;
import io.dialkv.proto.v1.FieldVersion;
import io.dialkv.proto.v1.GetProfileResponse;
import io.dialkv.proto.v1.Profile;
import io.dialkv.proto.v1.UpdateProfileResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** User profiles: rows whose fields are updated and versioned independently. */
@Command(
    name = "profile",
    mixinStandardHelpOptions = true,
    description = {
      "Read and write user profiles. Fields: display_name, email, bio, attributes.<name>.",
      "Each field has its own timestamp: concurrent updates of different fields all survive."
    },
    subcommands = {
      ProfileCommands.Get.class,
      ProfileCommands.Put.class,
      ProfileCommands.Update.class,
      ProfileCommands.Delete.class
    })
final class ProfileCommands implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "name a subcommand: get, put, update or delete");
  }

  @Command(name = "get", mixinStandardHelpOptions = true, description = "Read a user's profile.",
      footer = {"", ExitCodes.HELP})
  static final class Get implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin LevelOption level;

    @Parameters(paramLabel = "USER_ID")
    String userId;

    @Option(names = "--trace", description = "Show which replicas answered and what each had.")
    boolean trace;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      try (DialClient c = client.connect()) {
        GetProfileResponse r = c.getProfile(userId, level.proto(), trace);
        if (client.json()) {
          out.println(Printer.json(r));
          return ExitCodes.OK;
        }
        if (!r.getFound()) {
          out.println("(not found)");
        } else {
          Map<String, String> timestamps = new LinkedHashMap<>();
          for (FieldVersion v : r.getVersionsList()) {
            timestamps.put(v.getField(), Printer.timestamp(v.getTimestamp()));
          }
          out.printf("%-24s %-32s %s%n", "field", "value", "written at");
          Profile p = r.getProfile();
          row(out, "display_name", p.getDisplayName(), timestamps);
          row(out, "email", p.getEmail(), timestamps);
          row(out, "bio", p.getBio(), timestamps);
          p.getAttributesMap().forEach((k, v) -> row(out, "attributes." + k, v, timestamps));
        }
        if (trace) {
          Printer.provenance(out, r.getProvenance(), true);
        }
        return ExitCodes.OK;
      }
    }

    private static void row(PrintWriter out, String field, String value, Map<String, String> ts) {
      if (ts.containsKey(field)) {
        out.printf("%-24s %-32s %s%n", field, value, ts.get(field));
      }
    }
  }

  @Command(name = "put", mixinStandardHelpOptions = true,
      description = "Replace a user's whole profile: fields not given are removed.",
      footer = {"", ExitCodes.HELP})
  static final class Put implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin LevelOption level;

    @Parameters(paramLabel = "USER_ID")
    String userId;

    @Option(names = "--set", paramLabel = "FIELD=VALUE", required = true,
        description = "A field's value; repeat for more fields.")
    Map<String, String> set = new LinkedHashMap<>();

    @Override
    public Integer call() {
      Profile.Builder p = Profile.newBuilder().setUserId(userId);
      set.forEach(
          (field, value) -> {
            switch (field) {
              case "display_name" -> p.setDisplayName(value);
              case "email" -> p.setEmail(value);
              case "bio" -> p.setBio(value);
              default -> {
                if (!field.startsWith("attributes.")) {
                  throw new CommandLine.ParameterException(
                      spec.commandLine(),
                      "unknown profile field '" + field + "'; known: display_name, email, bio, attributes.<name>");
                }
                p.putAttributes(field.substring("attributes.".length()), value);
              }
            }
          });
      try (DialClient c = client.connect()) {
        var r = c.putProfile(p.build(), level.proto());
        spec.commandLine().getOut().println(client.json() ? Printer.json(r) : "OK");
        return ExitCodes.OK;
      }
    }
  }

  @Command(name = "update", mixinStandardHelpOptions = true,
      description = "Set or remove some fields; the others keep their values.",
      footer = {"", ExitCodes.HELP})
  static final class Update implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin LevelOption level;

    @Parameters(paramLabel = "USER_ID")
    String userId;

    @Option(names = "--set", paramLabel = "FIELD=VALUE", description = "Set a field; repeatable.")
    Map<String, String> set = new LinkedHashMap<>();

    @Option(names = "--unset", paramLabel = "FIELD", description = "Remove a field; repeatable.")
    List<String> unset = new ArrayList<>();

    @Option(names = "--trace", description = "Show the timestamp given and which replicas acknowledged.")
    boolean trace;

    @Override
    public Integer call() {
      if (set.isEmpty() && unset.isEmpty()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "give at least one --set or --unset");
      }
      PrintWriter out = spec.commandLine().getOut();
      try (DialClient c = client.connect()) {
        UpdateProfileResponse r = c.updateProfile(userId, set, unset, level.proto());
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

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a user's profile.",
      footer = {"", ExitCodes.HELP})
  static final class Delete implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin ClientOptions client;
    @Mixin LevelOption level;

    @Parameters(paramLabel = "USER_ID")
    String userId;

    @Override
    public Integer call() {
      try (DialClient c = client.connect()) {
        var r = c.deleteProfile(userId, level.proto());
        spec.commandLine().getOut().println(client.json() ? Printer.json(r) : "OK");
        return ExitCodes.OK;
      }
    }
  }
}
