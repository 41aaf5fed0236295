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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code netra import} against a real, initially empty database: exit codes, output, and what was stored. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImportCommandTest {

  private static final String HEADER = "occurred_at,provider,model,feature,prompt_tokens,completion_tokens,latency_ms,"
      + "prompt_hash,status\n";
  private static final String ROW = "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,1200,250,1800,abc,ok\n";

  private String databaseUrl;
  @TempDir
  Path dir;

  @BeforeAll
  void freshDatabase() {
    databaseUrl = TestDependencies.freshDatabaseUrl("import_cli"); // not migrated: the command migrates it
  }

  private record Run(int exit, String out, String err) { }

  private Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = new CommandLine(new ImportCommand(env));
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Run(exit, out.toString(), err.toString());
  }

  private Map<String, String> env(String... extra) {
    Map<String, String> env = new HashMap<>(Map.of("DATABASE_URL", databaseUrl, "NETRA_DATA_DIR", dir.toString()));
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  private Path file(String name, String text) throws Exception {
    Path file = dir.resolve(name);
    Files.writeString(file, text);
    return file;
  }

  private long rows(String sql, String userId) throws SQLException {
    URI url = URI.create(databaseUrl);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort()
        + url.getPath() + "?user=" + url.getUserInfo()); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  @Test
  void aGoodCsvFileIsImportedIntoAFreshDatabaseAndSummarized() throws Exception {
    Path csv = file("calls.csv", HEADER + ROW + ROW.replace("10:00:00", "11:00:00"));

    Run run = run(env(), csv.toString(), "--user", "alice");

    assertThat(run.exit()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.out()).contains("imported 2 rows for user alice", "2025-09-01T10:00:00Z", "2025-09-01T11:00:00Z");
    assertThat(rows("select count(*) from llm_usage where user_id = ?", "alice")).isEqualTo(2);
    assertThat(rows("select count(*) from model_prices where provider = ?", "openai")).as("the price catalog was synced")
        .isPositive();
  }

  @Test
  void jsonLinesAreReadByExtensionOrByFormat() throws Exception {
    String line = "{\"occurred_at\": \"2025-09-01T10:00:00Z\", \"provider\": \"openai\", \"model\": \"gpt-4o-mini\","
        + " \"feature\": \"summarize\", \"prompt_tokens\": 10, \"completion_tokens\": 5}\n";
    Run byExtension = run(env(), file("calls.jsonl", line).toString(), "--user", "bob");
    Run byOption = run(env(), file("calls.log", line + line).toString(), "--user", "bob", "--format", "jsonl");

    assertThat(byExtension.exit()).as(byExtension.err()).isZero();
    assertThat(byOption.exit()).as(byOption.err()).isZero();
    assertThat(rows("select count(*) from llm_usage where user_id = ?", "bob")).isEqualTo(3);
  }

  @Test
  void badRowsExitOneListingEachAndNothingIsImported() throws Exception {
    Path csv = file("bad.csv", HEADER + ROW
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,-1,250,1800,abc,ok\n"
        + "2025-09-01T10:00:00Z,openai,gpt-4o,support-chat,1,250,1800,abc,unknown\n");

    Run run = run(env(), csv.toString(), "--user", "carol");

    assertThat(run.exit()).as("refused").isEqualTo(1);
    assertThat(run.err()).contains("line 3, prompt_tokens: -1 is negative", "line 4, status:", "2 problems",
        "nothing was imported");
    assertThat(run.out()).isEmpty();
    assertThat(rows("select count(*) from llm_usage where user_id = ?", "carol")).isZero();
  }

  @Test
  void aMissingFileOrAnUnknownFormatIsAUsageError() throws Exception {
    Run missing = run(env(), dir.resolve("nope.csv").toString(), "--user", "dave");
    assertThat(missing.exit()).isEqualTo(2);
    assertThat(missing.err()).contains("no readable file");

    Run noExtension = run(env(), file("calls", HEADER + ROW).toString(), "--user", "dave");
    assertThat(noExtension.exit()).isEqualTo(2);
    assertThat(noExtension.err()).contains("--format csv or --format jsonl");

    Run badFormat = run(env(), file("calls.csv", HEADER + ROW).toString(), "--user", "dave", "--format", "xml");
    assertThat(badFormat.exit()).isEqualTo(2);
    assertThat(badFormat.err()).contains("'xml'");

    Run noUser = run(env(), file("calls.csv", HEADER + ROW).toString());
    assertThat(noUser.exit()).as("picocli usage error").isEqualTo(2);
    assertThat(noUser.err()).contains("--user");
    assertThat(rows("select count(*) from llm_usage where user_id = ?", "dave")).isZero();
  }

  @Test
  void badSettingsOrABadPriceCatalogAreConfigurationErrors() throws Exception {
    Path csv = file("calls.csv", HEADER + ROW);

    Run badUrl = run(env("DATABASE_URL", "mysql://nope"), csv.toString(), "--user", "erin");
    assertThat(badUrl.exit()).isEqualTo(2);
    assertThat(badUrl.err()).contains("DATABASE_URL must look like");

    Run badCatalog = run(env("PRICE_CATALOG_FILE", file("prices.csv", "provider,model\n").toString()), csv.toString(),
        "--user", "erin");
    assertThat(badCatalog.exit()).isEqualTo(2);
    assertThat(badCatalog.err()).contains("PRICE_CATALOG_FILE", "line 1: the header must be");

    Run otherProblems = run(env("REDIS_URL", "not a url", "JWT_SECRET_KEY", "short"), csv.toString(), "--user", "erin");
    assertThat(otherProblems.exit()).as("problems of settings the import does not use do not stop it; stderr: %s", otherProblems.err())
        .isZero();
  }

  @Test
  void anUnreachableDatabaseExitsThree() throws Exception {
    Run run = run(env("DATABASE_URL", "postgres://postgres@127.0.0.1:1/nowhere"), file("calls.csv", HEADER + ROW).toString(),
        "--user", "frank");
    assertThat(run.exit()).isEqualTo(3);
    assertThat(run.err()).contains("127.0.0.1:1", "not reachable");
  }

  @Test
  void aModelMissingFromTheCatalogIsImportedAndAnOverridePricesIt() throws Exception {
    Path prices = file("prices.csv", "provider,model,input_usd_per_mtok,output_usd_per_mtok,effective_from\n"
        + "acme,house-1,0.05,0.10,2025-01-01\n");
    Path csv = file("house.csv", HEADER + ROW.replace("openai,gpt-4o", "acme,house-1"));

    assertThat(run(env(), csv.toString(), "--user", "gina").exit()).as("without the override: stored, to be named unpriced")
        .isZero();
    Run run = run(env("PRICE_CATALOG_FILE", prices.toString()), csv.toString(), "--user", "gina");
    assertThat(run.exit()).as(run.err()).isZero();
    assertThat(rows("select count(*) from model_prices where provider = ?", "acme")).isEqualTo(1);
  }

  @Test
  void openAisUsageExportIsImportedAndItsSpendIsTheCatalogPriceOfItsTokens() throws Exception {
    Path export = dir.resolve("usage.json");
    try (java.io.InputStream in = getClass().getResourceAsStream("/usage/openai-completions-usage.json")) {
      Files.copy(in, export);
    }

    Run run = run(env(), export.toString(), "--user", "hank");

    assertThat(run.exit()).as("exit code; stderr: %s", run.err()).isZero();
    assertThat(run.out()).contains("imported 5 rows for user hank", "2025-09-01T00:00:00Z", "2025-09-02T00:00:00Z");
    assertThat(rows("select sum(requests) from llm_usage where user_id = ?", "hank")).isEqualTo(4_600);
    // By hand, at the bundled catalog's prices per 1M tokens (input / cached input / output), dated names priced as
    // their model and the batch result at the list price:
    //   Sep 1 gpt-4o        800,000 x 2.50 + 400,000 x 1.25 + 150,000 x 10.00 = 2.00 + 0.50 + 1.50 = 4.00
    //   Sep 1 gpt-4o-mini 3,000,000 x 0.15 + 500,000 x 0.60                   = 0.45 + 0.30        = 0.75
    //   Sep 1 gpt-4.1-mini  800,000 x 0.40 + 80,000 x 1.60                    = 0.32 + 0.128       = 0.448
    //   Sep 2 gpt-4o        750,000 x 2.50 + 250,000 x 1.25 + 120,000 x 10.00 = 1.875 + 0.3125 + 1.20 = 3.3875
    //   Sep 2 o3-mini       150,000 x 1.10 + 50,000 x 0.55 + 300,000 x 4.40   = 0.165 + 0.0275 + 1.32 = 1.5125
    assertThat(spend("hank")).isEqualByComparingTo("10.098");
  }

  /** The user's spend as the tools price it. */
  private java.math.BigDecimal spend(String userId) throws SQLException {
    String sql = ai.netra.usage.PricedSql.WITH_PRICES + ", groups as (select day, provider, model, prompt_tokens,"
        + " completion_tokens, " + ai.netra.usage.PricedSql.COMPONENTS + " from llm_usage_daily where user_id = ?), "
        + ai.netra.usage.PricedSql.priced("priced", "groups") + " select sum(cost_usd), count(*) filter (where cost_usd is null)"
        + " from priced";
    URI url = URI.create(databaseUrl);
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort()
        + url.getPath() + "?user=" + url.getUserInfo()); PreparedStatement s = c.prepareStatement(sql)) {
      s.setString(1, userId);
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        assertThat(rs.getLong(2)).as("unpriced groups").isZero();
        return rs.getBigDecimal(1);
      }
    }
  }
}
