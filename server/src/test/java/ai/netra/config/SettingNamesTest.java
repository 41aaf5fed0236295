package ai.netra.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The setting names are spelled once: every constant is a setting the service reads, and every setting has its constant. */
class SettingNamesTest {

  private static List<String> constants() {
    return Arrays.stream(SettingNames.class.getFields())
        .filter(f -> Modifier.isStatic(f.getModifiers()) && f.getType() == String.class)
        .filter(f -> !f.getName().equals("STARTUP_TIMEOUT_PREFIX"))
        .map(SettingNamesTest::value)
        .toList();
  }

  private static String value(Field field) {
    try {
      return (String) field.get(null);
    } catch (IllegalAccessException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void everyConstantNamesItselfAndEverySettingInTheCatalogHasOne() {
    assertThat(Arrays.stream(SettingNames.class.getFields()).filter(f -> !f.getName().equals("STARTUP_TIMEOUT_PREFIX")))
        .as("a constant's name is the setting's name").allSatisfy(f -> assertThat(value(f)).isEqualTo(f.getName()));
    assertThat(constants()).as("the catalog the diagnostics list, and the constants")
        .containsExactlyInAnyOrderElementsOf(Catalog.ALL.stream().map(Setting::name).toList());
  }

  @Test
  void aComponentsTimeoutSettingIsNamedAfterTheComponent() {
    assertThat(SettingNames.startupTimeout("database")).isEqualTo("STARTUP_TIMEOUT_DATABASE_S");
    assertThat(Settings.isKnown(SettingNames.startupTimeout("redis"))).isTrue();
  }
}
