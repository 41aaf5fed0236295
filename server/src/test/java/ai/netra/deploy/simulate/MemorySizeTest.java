package ai.netra.deploy.simulate;

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
    assertThat(MemorySize.mi(512)).hasToString("512Mi");
    assertThat(MemorySize.gi(2)).hasToString("2Gi");
  }

  @Test
  void refusesUnreadableAndTooSmallSizes() {
    assertThatThrownBy(() -> MemorySize.parse("lots")).hasMessageContaining("'lots'");
    assertThatThrownBy(() -> MemorySize.parse("512 MB of RAM")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MemorySize.parse("8Mi")).as("below a JVM's floor").hasMessageContaining("too little");
  }

  @Test
  void roundsUpToCloudRunSizesAndKnowsTheirCpuFloor() {
    assertThat(MemorySize.mi(108).cloudRunSizeAtLeast()).contains(MemorySize.mi(128));
    assertThat(MemorySize.mi(512).cloudRunSizeAtLeast()).as("an exact size stays").contains(MemorySize.mi(512));
    assertThat(MemorySize.mi(513).cloudRunSizeAtLeast()).contains(MemorySize.gi(1));
    assertThat(MemorySize.gi(40).cloudRunSizeAtLeast()).as("above Cloud Run's 32Gi").isEmpty();
    assertThat(MemorySize.gi(4).cloudRunMinimumCpus()).isEqualTo(1);
    assertThat(MemorySize.gi(8).cloudRunMinimumCpus()).isEqualTo(2);
    assertThat(MemorySize.gi(16).cloudRunMinimumCpus()).isEqualTo(4);
    assertThat(MemorySize.gi(32).cloudRunMinimumCpus()).isEqualTo(8);
    assertThat(MemorySize.mi(100).times(1.25)).as("rounded up to whole MiB").isEqualTo(MemorySize.mi(125));
  }
}
