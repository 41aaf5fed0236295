package ai.netra;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * Each command's description and footer in {@code netra --help} and in the command's {@code --help} render: picocli
 * formats them with {@link String#format} when it prints them, so a bare '%' ("10% then 50%") printed a picocli warning
 * above the help. (An option's description comes out of picocli already formatted, {@code ${DEFAULT-VALUE}} filled in.)
 */
class HelpTextTest {

  @Test
  void everyCommandsDescriptionAndFooterRender() {
    CommandLine root = Main.commandLine(System.nanoTime());
    List<CommandSpec> commands = new ArrayList<>(List.of(root.getCommandSpec()));
    root.getSubcommands().values().forEach(c -> commands.add(c.getCommandSpec()));
    for (CommandSpec command : commands) {
      List<String> texts = new ArrayList<>(List.of(command.usageMessage().description()));
      texts.addAll(List.of(command.usageMessage().footer()));
      for (String text : texts) {
        assertThatCode(() -> String.format(Locale.ROOT, text)).as("netra %s: %s", command.name(), text)
            .doesNotThrowAnyException();
      }
    }
  }
}
