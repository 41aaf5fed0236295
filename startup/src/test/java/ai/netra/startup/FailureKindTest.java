package ai.netra.startup;

import static org.assertj.core.api.Assertions.assertThat;

import dev.failsafe.TimeoutExceededException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How a step failure is classified into configuration, dependency or defect, and the exit code of each. */
class FailureKindTest {

  static Stream<Arguments> failures() {
    ConfigurationException config = new ConfigurationException("PORT is not a number", "", List.of("PORT"));
    return Stream.of(
        Arguments.of("a configuration error", config, FailureKind.CONFIGURATION),
        Arguments.of("a configuration error wrapped in a RuntimeException",
            new RuntimeException("binding failed", config), FailureKind.CONFIGURATION),
        Arguments.of("a configuration error caused by a missing class",
            new ConfigurationException("no driver for DATABASE_URL", "", List.of("DATABASE_URL"),
                new NoClassDefFoundError("org/postgresql/Driver")), FailureKind.CONFIGURATION),
        Arguments.of("an IOException", new IOException("connection reset"), FailureKind.DEPENDENCY),
        Arguments.of("a RuntimeException wrapping an SQLException",
            new RuntimeException("pool init failed", new SQLException("FATAL: password authentication failed")),
            FailureKind.DEPENDENCY),
        Arguments.of("an UncheckedIOException", new UncheckedIOException(new IOException("reset")), FailureKind.DEPENDENCY),
        Arguments.of("a DependencyException", new DependencyException("redis down", "", List.of(), null),
            FailureKind.DEPENDENCY),
        Arguments.of("a DependencyException wrapping a NullPointerException",
            new DependencyException("client failed", "", List.of(), new NullPointerException()), FailureKind.DEPENDENCY),
        Arguments.of("a TimeoutException", new TimeoutException("no answer"), FailureKind.DEPENDENCY),
        Arguments.of("a Failsafe timeout", new TimeoutExceededException(null), FailureKind.DEPENDENCY),
        Arguments.of("an InterruptedException", new InterruptedException("interrupted"), FailureKind.DEPENDENCY),
        Arguments.of("a NullPointerException", new NullPointerException("client"), FailureKind.DEFECT),
        Arguments.of("an IllegalStateException", new IllegalStateException("not built"), FailureKind.DEFECT),
        Arguments.of("an ExceptionInInitializerError",
            new ExceptionInInitializerError(new ArithmeticException("/ by zero")), FailureKind.DEFECT),
        Arguments.of("a NoClassDefFoundError", new NoClassDefFoundError("com/example/Missing"), FailureKind.DEFECT),
        Arguments.of("an IOException wrapping an Error",
            new IOException("read failed", new LinkageError("bad class")), FailureKind.DEFECT));
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("failures")
  void classifiesAFailureByItsCauseChain(String what, Throwable failure, FailureKind expected) {
    assertThat(FailureKind.classify(failure)).as("kind of %s", what).isEqualTo(expected);
  }

  @Test
  void eachKindHasTheExitCodeTheDesignPromises() {
    assertThat(FailureKind.CONFIGURATION.exitCode()).as("exit code of a configuration failure").isEqualTo(2);
    assertThat(FailureKind.DEPENDENCY.exitCode()).as("exit code of a dependency failure").isEqualTo(3);
    assertThat(FailureKind.DEFECT.exitCode()).as("exit code of a defect").isEqualTo(4);
  }

  @Test
  void classifyEndsForACauseChainWithACycle() throws InterruptedException {
    RuntimeException outer = new RuntimeException("outer");
    IllegalStateException inner = new IllegalStateException("inner", outer);
    outer.initCause(inner);
    AtomicReference<FailureKind> kind = new AtomicReference<>();

    Thread classifier = Thread.ofPlatform().daemon().start(() -> kind.set(FailureKind.classify(outer)));
    classifier.join(1_000);

    assertThat(classifier.isAlive()).as("whether classifying a cyclic cause chain is still running after 1 s").isFalse();
    assertThat(kind.get()).as("kind of two runtime exceptions causing each other").isEqualTo(FailureKind.DEFECT);
  }
}
