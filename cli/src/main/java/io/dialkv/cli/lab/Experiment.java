package io.dialkv.cli.lab;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What one experiment measured: figures for results.json, a table, charts and what it shows. */
final class Experiment {
  final String name;
  final String title;
  final Map<String, Object> results = new LinkedHashMap<>();
  final List<String> table = new ArrayList<>();
  final List<Chart> charts = new ArrayList<>();
  final List<String> findings = new ArrayList<>();
  /** Each target: what it asks, and whether the run met it. */
  final Map<String, Boolean> targets = new LinkedHashMap<>();

  Experiment(String name, String title) {
    this.name = name;
    this.title = title;
  }

  void row(String format, Object... args) {
    table.add(String.format(format, args));
  }

  void target(String what, boolean met) {
    targets.put(what, met);
  }
}
