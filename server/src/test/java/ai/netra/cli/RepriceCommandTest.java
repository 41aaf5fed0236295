package ai.netra.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.testing.TestDependencies;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Issue 22: {@code netra reprice} reprices the whole history after a catalog change, in one transaction. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RepriceCommandTest {

  private static final String CALLS = "occurred_at,provider,model,feature,prompt_tokens,completion_tokens\n"
      + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,1000000,0\n"
      + "2025-09-02T10:00:00Z,acme,house-1,support-chat,2000000,0\n";
  private static final String HEADER = "provider,model,input_usd_per_mtok,output_usd_per_mtok,effective_from\n";

  private String databaseUrl;
  @TempDir
  Path dir;

  @BeforeAll
  void freshDatabase() {
    databaseUrl = TestDependencies.freshDatabaseUrl("reprice_cli");
  }

  private record Run(int exit, String out, String err) { }

  private Run run(CommandLine cli) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute();
    return new Run(exit, out.toString(), err.toString());
  }

  private Map<String, String> env(String... extra) {
    Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", databaseUrl, "NETRA_DATA_DIR", dir.toString()));
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  private Connection connect() throws SQLException {
    URI url = URI.create(databaseUrl);
    return DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort() + url.getPath() + "?user="
        + url.getUserInfo());
  }

  private String prices() throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement(); ResultSet r = s.executeQuery(
        "select string_agg(provider || '/' || model || '@' || effective_from || '=' || input_usd_per_mtok::float8, ' '"
            + " order by provider, model, effective_from) from model_prices")) {
      r.next();
      return r.getString(1);
    }
  }

  @Test
  void aChangedCatalogRepricesTheHistoryAtOnceAndAFailureChangesNothing() throws Exception {
    Path calls = Files.writeString(dir.resolve("calls.csv"), CALLS);
    assertThat(new CommandLine(new ImportCommand(env())).execute(calls.toString(), "--user", "ann")).isZero();

    Path catalog = Files.writeString(dir.resolve("prices.csv"), HEADER
        + "openai,gpt-4o,3.00,10.00,2024-10-02\n" // replaces the shipped 2.50 of the same date
        + "acme,house-1,0.50,1.00,2025-01-01\n");
    Run repriced = run(new CommandLine(new RepriceCommand(env("PRICE_CATALOG_FILE", catalog.toString()))));
    assertThat(repriced.exit()).as(repriced.err()).isZero();
    assertThat(repriced.out()).as("gpt-4o 1M at 2.50 -> 3.00; house-1 2M unpriced -> at 0.50")
        .contains("repriced 2 requests", "spend $2.50 -> $4.00", "unpriced requests 1 -> 0");

    // the shipped catalog again: house-1's price is removed, gpt-4o back at 2.50
    Run back = run(new CommandLine(new RepriceCommand(env())));
    assertThat(back.exit()).as(back.err()).isZero();
    assertThat(back.out()).contains("spend $4.00 -> $2.50", "unpriced requests 0 -> 1", "1 removed");
    String before = prices();
    assertThat(before).doesNotContain("acme/house-1");

    // a database that refuses one row of the new catalog: nothing of it lands, the removal included
    try (Connection c = connect(); Statement s = c.createStatement()) {
      s.execute("create function refuse_boom() returns trigger language plpgsql as $$ begin"
          + " if new.model = 'boom-1' then raise exception 'no boom'; end if; return new; end $$");
      s.execute("create trigger refuse_boom before insert on model_prices for each row execute function refuse_boom()");
    }
    Path broken = Files.writeString(dir.resolve("broken.csv"), HEADER
        + "acme,house-1,0.50,1.00,2025-01-01\n"
        + "openai,gpt-4o,9.00,10.00,2024-10-02\n"
        + "zeta,boom-1,1.00,1.00,2025-01-01\n");
    Run refused = run(new CommandLine(new RepriceCommand(env("PRICE_CATALOG_FILE", broken.toString()))));
    assertThat(refused.exit()).isEqualTo(3);
    assertThat(refused.err()).contains("nothing changed", "no boom");
    assertThat(prices()).as("model_prices after the refused repricing").isEqualTo(before);
    assertThat(before).contains("openai/gpt-4o@2024-10-02=2.5");
  }
}
