package ai.netra.deploy.check;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResourceProfileTest {

  @Test
  void cpuReadsWholeFractionalAndMilliCpus() {
    assertThat(ResourceProfile.parseCpu("1")).isEqualTo(1.0);
    assertThat(ResourceProfile.parseCpu("1000m")).isEqualTo(1.0);
    assertThat(ResourceProfile.parseCpu("0.5")).isEqualTo(0.5);
    assertThat(ResourceProfile.cpuText(2)).isEqualTo("2");
    assertThat(ResourceProfile.cpuText(0.5)).isEqualTo("500m");
    assertThatThrownBy(() -> ResourceProfile.parseCpu("two")).hasMessageContaining("'two'");
  }
}
