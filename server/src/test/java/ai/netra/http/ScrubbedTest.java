package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ScrubbedTest {

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "connected to 10.20.0.5:5432 db=netra_prod user=netra_app; pool 20 + 0 overflow"
          + "|connected to <host> db=<hidden> user=<hidden>; pool 20 + 0 overflow",
      "HS256 key from /var/lib/netra/data/dev-jwt-secret|HS256 key from <path>",
      "java.net.ConnectException: Connection refused: db.internal.example:5432"
          + "|java.net.ConnectException: Connection refused: <host>",
      "org.postgresql.util.PSQLException: FATAL: password authentication failed for user \"netra_app\""
          + "|org.postgresql.util.PSQLException: FATAL: password authentication failed for user <name>",
      "the LLM endpoint https://llm.corp.example/v1/tenant-42 answered 401|the LLM endpoint <url> answered 401",
      "redis://:s3cret@10.0.0.3:6379 refused|<url> refused",
      "no answer from [fd00::5]:5432 within 800 ms|no answer from <host> within 800 ms",
      "socket /cloudsql/proj:europe-west1:db/.s.PGSQL.5432 missing|socket <path> missing",
      "GET /health/live on port 8080 answered 200 in 14 ms|GET /health/live on port 8080 answered 200 in 14 ms",
      "timed out after 8.0 s of 8.0 s (attempt 3)|timed out after 8.0 s of 8.0 s (attempt 3)",
      "localhost refused the connection|<host> refused the connection",
      "analyzed at 2026-11-20T14:30:00Z, 15:24:33 UTC|analyzed at 2026-11-20T14:30:00Z, 15:24:33 UTC"})
  void addressesPathsAndNamesAreReplacedWhileKindsAndTimingsStay(String raw, String shown) {
    assertThat(Scrubbed.text(raw)).isEqualTo(shown);
  }
}
