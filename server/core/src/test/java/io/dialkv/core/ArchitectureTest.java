package io.dialkv.core;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The core reaches the world only through its seams, which is what lets a whole cluster run
 * deterministically in one JVM.
 */
class ArchitectureTest {
  private static final JavaClasses CORE =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.dialkv.core");

  @Test
  void coreDoesNotUseGrpcRocksDbOrProtobuf() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.grpc..", "org.rocksdb..", "com.google.protobuf..")
        .check(CORE);
  }

  @Test
  void coreTakesTimeOnlyFromItsClock() {
    noClasses()
        .should()
        .callMethod(System.class, "currentTimeMillis")
        .orShould()
        .callMethod(System.class, "nanoTime")
        .orShould()
        .callMethod(Thread.class, "sleep", long.class)
        .orShould()
        .callMethod(java.time.Instant.class, "now")
        .check(CORE);
  }

  @Test
  void coreStartsNoThreadsAndUsesOnlySeededRandomness() {
    noClasses()
        .should()
        .callConstructor(Thread.class, Runnable.class)
        .orShould()
        .callConstructor(Thread.class)
        .orShould()
        .callConstructor(java.util.Random.class)
        .orShould()
        .callMethod(Math.class, "random")
        .orShould()
        .callMethod(java.util.concurrent.ThreadLocalRandom.class, "current")
        .orShould()
        .callMethod(java.util.UUID.class, "randomUUID")
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName(java.util.concurrent.Executors.class.getName())
        .orShould()
        .dependOnClassesThat()
        .haveFullyQualifiedName(java.util.concurrent.ForkJoinPool.class.getName())
        .check(CORE);
  }

  /**
   * Chance comes from the loop's {@code Scheduler.random()}, which a simulation seeds from its
   * run: a source seeded by the core itself would replay the same way for every seed. Only the
   * simulation, which owns the seed, makes one.
   */
  @Test
  void coreMakesNoRandomSourceOfItsOwnButTheSimulation() {
    noClasses()
        .that()
        .resideOutsideOfPackage("io.dialkv.core.sim..")
        .should()
        .callConstructor(java.util.Random.class, long.class)
        .orShould()
        .callConstructor(java.util.SplittableRandom.class, long.class)
        .orShould()
        .callConstructor(java.util.SplittableRandom.class)
        .check(CORE);
  }
}
