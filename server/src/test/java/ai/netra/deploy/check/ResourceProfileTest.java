package ai.netra.deploy.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResourceProfileTest {

  @Test
  void memoryReadsKubernetesQuantitiesAndBareMebibytes() {
    assertThat(ResourceProfile.parseMemory("512Mi")).isEqualTo(512);
    assertThat(ResourceProfile.parseMemory("1Gi")).isEqualTo(1024);
    assertThat(ResourceProfile.parseMemory("2G")).as("G read as Gi").isEqualTo(2048);
    assertThat(ResourceProfile.parseMemory("1.5Gi")).isEqualTo(1536);
    assertThat(ResourceProfile.parseMemory("430")).isEqualTo(430);
    assertThat(ResourceProfile.parseMemory("430MiB")).isEqualTo(430);
    for (String bad : new String[] {"", "lots", "-1Gi", "0Mi", "1Ti"}) {
      assertThatThrownBy(() -> ResourceProfile.parseMemory(bad)).as("memory '%s'", bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void cpuReadsWholeFractionalAndMilliCpus() {
    assertThat(ResourceProfile.parseCpu("1")).isEqualTo(1.0);
    assertThat(ResourceProfile.parseCpu("1000m")).isEqualTo(1.0);
    assertThat(ResourceProfile.parseCpu("0.5")).isEqualTo(0.5);
    assertThat(ResourceProfile.cpuText(2)).isEqualTo("2");
    assertThat(ResourceProfile.cpuText(0.5)).isEqualTo("500m");
    assertThatThrownBy(() -> ResourceProfile.parseCpu("two")).hasMessageContaining("'two'");
  }

  @Test
  void memoryForAPeakAddsAQuarterAndRoundsUpToACloudRunSize() {
    assertThat(ResourceProfile.memoryFor(300)).as("375 -> 512Mi").isEqualTo(512);
    assertThat(ResourceProfile.memoryFor(410)).as("513 -> 1Gi").isEqualTo(1024);
    assertThat(ResourceProfile.memoryFor(470)).as("the seed's 470 MiB peak").isEqualTo(1024);
    assertThat(ResourceProfile.memoryText(1024)).isEqualTo("1Gi");
    assertThat(ResourceProfile.memoryText(1536)).isEqualTo("1536Mi");
  }

  @Test
  void moreThanFourGibibytesNeedTwoCpus() {
    assertThat(ResourceProfile.minCpusFor(4096)).isZero();
    assertThat(ResourceProfile.minCpusFor(8192)).isEqualTo(2);
    assertThat(ResourceProfile.minCpusFor(16384)).isEqualTo(4);
  }
}
