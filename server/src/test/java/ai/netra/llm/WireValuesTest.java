package ai.netra.llm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The pure pieces of the client: base URLs, event-stream framing, error answers, and the value types' rules. */
class WireValuesTest {

  @Test
  void baseUrlGetsV1OnlyWhenItHasNoPathAndLosesTrailingSlashesAndAPastedEndpoint() {
    assertThat(Endpoint.of("http://localhost:8000").base()).hasToString("http://localhost:8000/v1");
    assertThat(Endpoint.of("http://localhost:8000/").base()).hasToString("http://localhost:8000/v1");
    assertThat(Endpoint.of("https://api.openai.com/v1/").base()).hasToString("https://api.openai.com/v1");
    assertThat(Endpoint.of(" https://api.openai.com/v1/chat/completions ").base()).hasToString("https://api.openai.com/v1");
    assertThat(Endpoint.of("https://openrouter.ai/api/v1").base()).hasToString("https://openrouter.ai/api/v1");
    assertThat(Endpoint.of("https://generativelanguage.googleapis.com/v1beta/openai/").chatCompletions())
        .hasToString("https://generativelanguage.googleapis.com/v1beta/openai/chat/completions");
    assertThat(Endpoint.of("HTTPS://api.openai.com").models()).hasToString("https://api.openai.com/v1/models");
  }

  @Test
  void baseUrlWithCredentialsIsRefusedWithoutEchoingThem() {
    assertThatThrownBy(() -> Endpoint.of("https://user:hunter2secret@llm.example.com/v1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must not carry credentials").hasMessageNotContaining("hunter2secret");
    assertThatThrownBy(() -> Endpoint.of("ftp://llm.example.com")).hasMessageContaining("http:// or https://");
    assertThatThrownBy(() -> Endpoint.of("https://llm.example.com/v1?api-version=1")).hasMessageContaining("query");
  }

  @Test
  void eventStreamJoinsDataLinesUpToABlankLineAndSkipsCommentsAndOtherFields() {
    ServerSentEvents events = new ServerSentEvents();
    assertThat(events.line(": keep-alive")).isNull();
    assertThat(events.line("event: message")).isNull();
    assertThat(events.line("id: 7")).isNull();
    assertThat(events.line("data: {\"a\":")).isNull();
    assertThat(events.line("data:1}")).as("a data line without the space after the colon").isNull();
    assertThat(events.line("")).isEqualTo("{\"a\":\n1}");
    assertThat(events.line("")).as("a second blank line is no event").isNull();
    assertThat(events.line("data: [DONE]")).isNull();
    assertThat(events.end()).as("an event the body ended without a blank line").isEqualTo("[DONE]");
    assertThat(events.end()).isNull();
  }

  @Test
  void errorAnswerReadsOpenAiAndOtherShapesAndCutsTheKeyOut() {
    assertThat(ErrorAnswer.message("{\"error\":{\"message\":\"bad model\",\"type\":\"invalid_request_error\",\"code\":null}}"))
        .isEqualTo("bad model [invalid_request_error]");
    assertThat(ErrorAnswer.message("{\"error\":\"model 'x' not found\"}")).isEqualTo("model 'x' not found");
    assertThat(ErrorAnswer.message("{\"detail\":\"Not Found\"}")).isEqualTo("Not Found");
    assertThat(ErrorAnswer.message("<html>\n<body>502 Bad Gateway</body>\n</html>"))
        .isEqualTo("<html> <body>502 Bad Gateway</body> </html>");
    assertThat(ErrorAnswer.message("")).isEqualTo("(no body)");
    assertThat(ErrorAnswer.of(401, headers(Map.of()), "{\"error\":{\"message\":\"key sk-abcdef123 invalid\"}}", "sk-abcdef123")
        .message()).isEqualTo("key [LLM_API_KEY] invalid");
  }

  @Test
  void retryAfterIsReadInMillisecondsSecondsOrAsADate() {
    Instant now = Instant.parse("2026-01-05T10:00:00Z");
    assertThat(ErrorAnswer.retryAfter(headers(Map.of("retry-after-ms", "1500", "retry-after", "9")), now))
        .isEqualTo(Duration.ofMillis(1500));
    assertThat(ErrorAnswer.retryAfter(headers(Map.of("Retry-After", "2")), now)).isEqualTo(Duration.ofSeconds(2));
    assertThat(ErrorAnswer.retryAfter(headers(Map.of("Retry-After", "Mon, 05 Jan 2026 10:00:30 GMT")), now))
        .isEqualTo(Duration.ofSeconds(30));
    assertThat(ErrorAnswer.retryAfter(headers(Map.of("Retry-After", "soon")), now)).isNull();
    assertThat(ErrorAnswer.retryAfter(headers(Map.of()), now)).isNull();
  }

  @Test
  void toolCallArgumentsParseToAMapOrSayWhatIsWrong() {
    assertThat(new ToolCall("c1", "usage_summary", "{\"days\": 30, \"models\": [\"a\"]}").parsedArguments())
        .isEqualTo(Map.of("days", 30, "models", List.of("a")));
    assertThat(new ToolCall("c1", "usage_summary", "").parsedArguments()).as("no arguments").isEmpty();
    assertThatThrownBy(() -> new ToolCall("c1", "usage_summary", "{\"days\": 3").parsedArguments())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("the arguments of usage_summary are not valid JSON").hasMessageContaining("{\"days\": 3");
    assertThatThrownBy(() -> new ToolCall("c1", "usage_summary", "[1, 2]").parsedArguments())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("must be a JSON object");
  }

  @Test
  void messagesKeepToolCallsAndToolCallIdsToTheRolesThatCarryThem() {
    assertThatThrownBy(() -> Message.toolResult(" ", "{}")).hasMessageContaining("needs the id of the tool call");
    assertThatThrownBy(() -> new Message(Message.Role.USER, "hi", List.of(new ToolCall("c", "t", "{}")), null))
        .hasMessageContaining("only an assistant message carries tool calls");
    assertThat(Message.assistant(null, List.of(new ToolCall("c", "t", "{}"))).content()).isEmpty();
    assertThatThrownBy(() -> new ToolSpec("cost breakdown", "", Map.of())).hasMessageContaining("'cost breakdown'");
    assertThat(new ToolSpec("ping", null, null).parameters()).as("schema of a tool without arguments")
        .isEqualTo(Map.of("type", "object", "properties", Map.of()));
  }

  private static HttpHeaders headers(Map<String, String> values) {
    return HttpHeaders.of(values.entrySet().stream().collect(java.util.stream.Collectors.toMap(
        Map.Entry::getKey, entry -> List.of(entry.getValue()))), (name, value) -> true);
  }
}
