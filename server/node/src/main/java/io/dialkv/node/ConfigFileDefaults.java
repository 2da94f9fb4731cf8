package io.dialkv.node;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Takes option defaults from the properties file named by {@code --config}, so a node can be run
 * from a file; options given on the command line still win.
 */
final class ConfigFileDefaults implements CommandLine.IDefaultValueProvider {
  private final CommandLine cli;
  private Properties properties;

  ConfigFileDefaults(CommandLine cli) {
    this.cli = cli;
  }

  @Override
  public String defaultValue(ArgSpec arg) throws IOException {
    if (!(arg instanceof OptionSpec option)) {
      return null;
    }
    Properties props = load();
    String key = option.longestName().replaceFirst("^--", "");
    return props.getProperty(key, option.defaultValue());
  }

  private Properties load() throws IOException {
    if (properties != null) {
      return properties;
    }
    properties = new Properties();
    Path file = configFileFromArgs();
    if (file != null) {
      try (Reader reader = Files.newBufferedReader(file)) {
        properties.load(reader);
      }
    }
    return properties;
  }

  private Path configFileFromArgs() {
    CommandLine.ParseResult parsed = cli.getParseResult();
    if (parsed != null && parsed.hasMatchedOption("--config")) {
      return parsed.matchedOptionValue("--config", null);
    }
    return null;
  }
}
