package ai.netra.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemorySizeTest {

  @Test
  void readsKubernetesAndCloudRunNotation() {
    assertThat(MemorySize.parse("512Mi").bytes()).isEqualTo(512L * 1024 * 1024);
    assertThat(MemorySize.parse("1Gi")).isEqualTo(MemorySize.gi(1));
    assertThat(MemorySize.parse("1.5Gi")).isEqualTo(MemorySize.mi(1536));
    assertThat(MemorySize.parse("500M").bytes()).as("M is decimal").isEqualTo(500_000_000L);
    assertThat(MemorySize.parse("64mi")).as("case does not matter").isEqualTo(MemorySize.mi(64));
    assertThat(MemorySize.parse("536870912")).as("plain bytes").isEqualTo(MemorySize.mi(512));
    assertThat(MemorySize.parse("2G").bytes()).as("G is decimal, as Kubernetes and Cloud Run read it")
        .isEqualTo(2_000_000_000L);
    assertThat(MemorySize.parse("430MiB")).isEqualTo(MemorySize.mi(430));
    assertThat(MemorySize.parse("1Ti")).isEqualTo(MemorySize.gi(1024));
    assertThat(MemorySize.mi(512)).hasToString("512Mi");
    assertThat(MemorySize.gi(2)).hasToString("2Gi");
    assertThat(MemorySize.mi(1024)).hasToString("1Gi");
    assertThat(MemorySize.mi(1536)).hasToString("1536Mi");
  }

  @Test
  void refusesUnreadableAndTooSmallSizes() {
    assertThatThrownBy(() -> MemorySize.parse("lots")).hasMessageContaining("'lots'");
    assertThatThrownBy(() -> MemorySize.parse("512 MB of RAM")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MemorySize.parse("8Mi")).as("below a JVM's floor").hasMessageContaining("too little");
    assertThatThrownBy(() -> MemorySize.parse("430")).as("a bare number is bytes").hasMessageContaining("too little");
    for (String bad : new String[] {"", "lots", "-1Gi", "0Mi"}) {
      assertThatThrownBy(() -> MemorySize.parse(bad)).as("memory '%s'", bad).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void roundsUpToCloudRunSizesAndKnowsTheirCpuFloor() {
    assertThat(MemorySize.mi(108).cloudRunSizeAtLeast()).contains(MemorySize.mi(128));
    assertThat(MemorySize.mi(512).cloudRunSizeAtLeast()).as("an exact size stays").contains(MemorySize.mi(512));
    assertThat(MemorySize.mi(513).cloudRunSizeAtLeast()).contains(MemorySize.gi(1));
    assertThat(MemorySize.gi(40).cloudRunSizeAtLeast()).as("above Cloud Run's 32Gi").isEmpty();
    assertThat(MemorySize.gi(4).cloudRunMinimumCpus()).as("no whole-CPU minimum up to 4Gi").isZero();
    assertThat(MemorySize.gi(8).cloudRunMinimumCpus()).isEqualTo(2);
    assertThat(MemorySize.gi(16).cloudRunMinimumCpus()).isEqualTo(4);
    assertThat(MemorySize.gi(32).cloudRunMinimumCpus()).isEqualTo(8);
    assertThat(MemorySize.mi(100).times(1.25)).as("rounded up to whole MiB").isEqualTo(MemorySize.mi(125));
  }

  @Test
  void anInstanceForAPeakAddsAQuarterAndRoundsUpToASecondGenerationCloudRunSize() {
    assertThat(MemorySize.mi(90).instanceForPeak()).as("113Mi -> the 512Mi floor").isEqualTo(MemorySize.mi(512));
    assertThat(MemorySize.mi(300).instanceForPeak()).as("375 -> 512Mi").isEqualTo(MemorySize.mi(512));
    assertThat(MemorySize.mi(410).instanceForPeak()).as("513 -> 1Gi").isEqualTo(MemorySize.gi(1));
    assertThat(MemorySize.mi(470).instanceForPeak()).as("the seed's 470 MiB peak").isEqualTo(MemorySize.gi(1));
    assertThat(MemorySize.gi(30).instanceForPeak()).as("above 32Gi: the sum itself").isEqualTo(MemorySize.mi(38400));
  }
}
