package ai.netra.deploy.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.deploy.MemorySize;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServiceLaunchTest {

  private static final Path JAVA = Path.of("/jdk/bin/java");
  private static final Path TASKSET = Path.of("/usr/bin/taskset");

  @Test
  void pinsToTheFirstAllowedCpusAndSetsTheJvmMemoryView(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("netra.jar"));
    ServiceLaunch launch = ServiceLaunch.of(new ServiceLaunch.Inputs(JAVA, 21, jar, 2, MemorySize.mi(512),
        Optional.of(TASKSET), List.of(3, 4, 5), List.of(), "", false));
    assertThat(launch.command()).containsExactly("/usr/bin/taskset", "-c", "3,4", "/jdk/bin/java", "-XX:MaxRAM=536870912",
        "-jar", jar.toString(), "serve");
    assertThat(launch.notes()).anySatisfy(n -> assertThat(n).contains("pinned to 2 CPU(s) with taskset -c 3,4"))
        .anySatisfy(n -> assertThat(n).contains("JDK 21 cannot load an AOT cache"));
  }

  @Test
  void withoutTasksetTheJvmIsToldItsCpusAndTheNoteSaysItIsNotALimit(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("netra.jar"));
    ServiceLaunch launch = ServiceLaunch.of(new ServiceLaunch.Inputs(JAVA, 25, jar, 1, MemorySize.mi(512), Optional.empty(),
        List.of(0, 1), List.of(), "-Xlog:gc", false));
    assertThat(launch.command()).startsWith("/jdk/bin/java", "-XX:MaxRAM=536870912", "-XX:ActiveProcessorCount=1")
        .contains("-Xlog:gc").endsWith("-jar", jar.toString(), "serve");
    assertThat(launch.notes()).anySatisfy(n -> assertThat(n).contains("taskset not found", "-XX:ActiveProcessorCount"));
  }

  @Test
  void moreCpusThanThisMachineGivesArePinnedToAllAndTheJvmToldTheRest(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("netra.jar"));
    ServiceLaunch launch = ServiceLaunch.of(new ServiceLaunch.Inputs(JAVA, 25, jar, 4, MemorySize.gi(2), Optional.of(TASKSET),
        List.of(0, 1), List.of(), "", false));
    assertThat(launch.command()).containsSubsequence("/usr/bin/taskset", "-c", "0,1", "/jdk/bin/java",
        "-XX:ActiveProcessorCount=4");
  }

  @Test
  void theAotCacheNextToTheJarIsUsedOnJdk25OnlyWhenNewerThanTheJar(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("netra.jar"));
    Path cache = Files.createFile(dir.resolve("netra.aot"));
    Files.setLastModifiedTime(jar, FileTime.fromMillis(1_000_000));
    Files.setLastModifiedTime(cache, FileTime.fromMillis(2_000_000));
    ServiceLaunch.Inputs in = new ServiceLaunch.Inputs(JAVA, 25, jar, 1, MemorySize.mi(512), Optional.of(TASKSET),
        List.of(0), List.of(), "", false);
    assertThat(ServiceLaunch.of(in).command()).contains("-XX:AOTCache=" + cache);

    Files.setLastModifiedTime(cache, FileTime.fromMillis(500_000));
    ServiceLaunch stale = ServiceLaunch.of(in);
    assertThat(stale.command()).noneMatch(a -> a.startsWith("-XX:AOTCache"));
    assertThat(stale.notes()).anySatisfy(n -> assertThat(n).contains("older than the jar"));

    ServiceLaunch off = ServiceLaunch.of(new ServiceLaunch.Inputs(JAVA, 25, jar, 1, MemorySize.mi(512), Optional.of(TASKSET),
        List.of(0), List.of(), "", true));
    assertThat(off.notes()).anySatisfy(n -> assertThat(n).contains("NETRA_AOT=off"));

    Files.delete(cache);
    assertThat(ServiceLaunch.of(in).notes()).anySatisfy(n -> assertThat(n).contains("no AOT cache next to the jar"));
  }

  @Test
  void theOptionsNetraRunsWithComeBeforeNetraJavaOpts(@TempDir Path dir) throws Exception {
    Path jar = Files.createFile(dir.resolve("netra.jar"));
    ServiceLaunch launch = ServiceLaunch.of(new ServiceLaunch.Inputs(JAVA, 25, jar, 1, MemorySize.mi(512),
        Optional.of(TASKSET), List.of(0), List.of("-XX:CompileThresholdScaling=10"), "-XX:CompileThresholdScaling=1", false));
    assertThat(launch.command()).containsSubsequence("-XX:MaxRAM=536870912", "-XX:CompileThresholdScaling=10",
        "-XX:CompileThresholdScaling=1", "-jar");
    assertThat(launch.notes()).anySatisfy(n -> assertThat(n).contains("-XX:CompileThresholdScaling=10 (deploy/jvm.args"));
  }

  @Test
  void theShippedOptionsAreThoseOfDeployJvmArgsWithoutComments() throws Exception {
    List<String> file = Files.readAllLines(Path.of("..", "deploy", "jvm.args")).stream()
        .map(l -> l.replaceFirst("#.*", "").strip()).filter(l -> !l.isEmpty()).toList();
    assertThat(ServiceLaunch.shippedOptions()).isNotEmpty().isEqualTo(file).allMatch(o -> o.startsWith("-"));
  }

  @Test
  void cpuListsReadAsTheKernelWritesThem() {
    assertThat(ServiceLaunch.parseCpuList("0-3,8,10-11\n")).containsExactly(0, 1, 2, 3, 8, 10, 11);
    assertThat(ServiceLaunch.parseCpuList("1")).containsExactly(1);
  }
}
