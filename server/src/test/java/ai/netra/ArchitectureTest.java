package ai.netra;

import static com.tngtech.archunit.base.DescribedPredicate.describe;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideOutsideOfPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaConstructorCall;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Map;
import java.util.Set;

/**
 * The design's dependency rules, checked on the compiled classes: which package may use which, and who
 * builds the service's components. README.md's layout section draws the same rules.
 */
@AnalyzeClasses(packages = "ai.netra", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  /** The engine is a library any service could start with: it knows nothing of this one. */
  @ArchTest
  static final ArchRule startupKnowsNothingOfTheService = noClasses().that().resideInAPackage("ai.netra.startup..")
      .should().dependOnClassesThat(resideInAPackage("ai.netra..").and(resideOutsideOfPackage("ai.netra.startup..")))
      .as("the startup engine imports nothing of the service");

  /** Every package's dependencies point one way; a cycle is two packages that cannot change apart. */
  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("ai.netra.(**)").should().beFreeOfCycles()
      .as("no package cycles in ai.netra");

  /** The web edge reads and writes through the chat's and the usage's interfaces, never SQL. */
  @ArchTest
  static final ArchRule httpDoesNotUseTheDatabase = noClasses().that().resideInAPackage("ai.netra.http..")
      .should().dependOnClassesThat().resideInAPackage("ai.netra.db..")
      .as("http does not import db");

  /**
   * The service's components are built in one room, {@code boot}, so what runs is what the startup
   * plan shows: their constructors and factories are called there (or inside their own class).
   */
  private static final Set<String> COMPONENTS = Set.of(
      "ai.netra.db.ChatRepository", "ai.netra.cache.LocalEventBus", "ai.netra.cache.LocalRateLimiter",
      "ai.netra.cache.RedisEventBus", "ai.netra.cache.RedisRateLimiter", "ai.netra.chat.ChatService",
      "ai.netra.http.ApiRoutes", "ai.netra.agent.Supervisor", "ai.netra.llm.OpenAiCompatibleModel",
      "ai.netra.llm.offline.OfflineModel", "ai.netra.llm.MeteredChatModel", "ai.netra.health.HealthMonitor",
      "ai.netra.health.Readiness", "ai.netra.metrics.Metrics", "ai.netra.usage.UsageImport");
  private static final Map<String, String> FACTORIES = Map.of(
      "ai.netra.db.Database", "connect", "ai.netra.db.EmbeddedPostgres", "start", "ai.netra.cache.Redis", "connect",
      "ai.netra.http.HttpServer", "start", "ai.netra.agent.tools.UsageTools", "create");

  @ArchTest
  static final ArchRule onlyBootBuildsComponents = noClasses().that().resideOutsideOfPackage("ai.netra.boot..")
      .should().callCodeUnitWhere(describe("a component's constructor or factory", (JavaCall<?> call) -> {
        String owner = call.getTargetOwner().getName();
        if (call.getOriginOwner().getName().equals(owner)) {
          return false;
        }
        return call instanceof JavaConstructorCall ? COMPONENTS.contains(owner)
            : call.getName().equals(FACTORIES.get(owner));
      }))
      .as("only boot constructs the service's components");

  /** The deploy tools describe the plan the service would run; they never reach into how it runs. */
  @ArchTest
  static final ArchRule deployUsesOnlyThePlanOfBoot = noClasses().that().resideInAPackage("ai.netra.deploy..")
      .should().dependOnClassesThat(resideInAPackage("ai.netra.boot..")
          .and(describe("other than BackendPlan", c -> !c.getName().equals("ai.netra.boot.BackendPlan"))))
      .as("deploy uses nothing of boot but BackendPlan");
}
