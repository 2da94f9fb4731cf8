package io.dialkv.checker;

import static org.assertj.core.api.Assertions.assertThat;

import io.dialkv.checker.history.History;
import io.dialkv.checker.model.KvModel;
import io.dialkv.checker.model.Model;
import io.dialkv.checker.model.MultiRegisterModel;
import io.dialkv.checker.model.MutexModel;
import io.dialkv.checker.model.RegisterModel;
import io.dialkv.checker.edn.Keyword;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The checker against histories other people recorded and judged: Knossos's test data and
 * Porcupine's key-value logs (see src/test/resources/histories/README.md). Every verdict must
 * match, and each file must be decided within 10 s.
 */
class PublishedHistoriesTest {
  private static final Path ROOT = Path.of("src/test/resources/histories");

  private record Case(Path file, Model model, Verdict expected) {}

  @TestFactory
  Stream<DynamicTest> everyPublishedHistoryGetsItsPublishedVerdict() throws IOException {
    List<Case> cases = new ArrayList<>();
    add(cases, "knossos/cas-register/good", RegisterModel.casRegister(0L), Verdict.LINEARIZABLE);
    add(cases, "knossos/cas-register/bad", RegisterModel.casRegister(0L), Verdict.NOT_LINEARIZABLE);
    add(cases, "knossos/multi-register/good",
        new MultiRegisterModel(Map.of(Keyword.of("x"), 0L, Keyword.of("y"), 0L)), Verdict.LINEARIZABLE);
    add(cases, "knossos/mutex/bad", new MutexModel(), Verdict.NOT_LINEARIZABLE);
    try (Stream<Path> files = Files.list(ROOT.resolve("porcupine-kv"))) {
      files.filter(f -> f.toString().endsWith(".txt")).sorted().forEach(f -> cases.add(new Case(
          f, new KvModel(""), f.getFileName().toString().contains("-ok") ? Verdict.LINEARIZABLE : Verdict.NOT_LINEARIZABLE)));
    }
    assertThat(cases).hasSizeGreaterThanOrEqualTo(128);
    LinearizabilityChecker checker = new LinearizabilityChecker(Duration.ofSeconds(10), Long.MAX_VALUE);
    return cases.stream().map(c -> DynamicTest.dynamicTest(ROOT.relativize(c.file()).toString(), () -> {
      CheckResult r = checker.check(History.load(c.file()).operations(), c.model());
      assertThat(r.verdict()).as("%s (%d ops, %d steps, %s)", c.file(), r.operations(), r.steps(), r.elapsed())
          .isEqualTo(c.expected());
      assertThat(r.elapsed()).isLessThan(Duration.ofSeconds(10));
    }));
  }

  private static void add(List<Case> cases, String dir, Model model, Verdict expected) throws IOException {
    try (Stream<Path> files = Files.list(ROOT.resolve(dir))) {
      files.filter(f -> f.toString().endsWith(".edn")).sorted().forEach(f -> cases.add(new Case(f, model, expected)));
    }
  }
}
