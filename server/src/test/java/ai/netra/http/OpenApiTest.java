package ai.netra.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The OpenAPI description the service serves at /openapi.json: valid OpenAPI 3.1, and complete. */
class OpenApiTest {

  private static String description() throws IOException {
    try (InputStream in = OpenApiTest.class.getClassLoader()
        .getResourceAsStream(WebUi.CLASSPATH_FOLDER + WebUi.OPENAPI_PATH.substring(1))) {
      assertThat(in).as("the description in the jar's pages").isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static OpenAPI parse() throws IOException {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    SwaggerParseResult result = new OpenAPIV3Parser().readContents(description(), null, options);
    assertThat(result.getMessages()).as("swagger-parser's messages on /openapi.json").isEmpty();
    assertThat(result.getOpenAPI()).isNotNull();
    return result.getOpenAPI();
  }

  @Test
  void theDescriptionIsOpenApi31WithoutAParserMessage() throws IOException {
    OpenAPI api = parse();
    assertThat(api.getOpenapi()).isEqualTo("3.1.0");
    assertThat(api.getComponents().getSecuritySchemes()).containsKey("bearer");
  }

  /** A route added to ApiRoutes without its description fails here. */
  @Test
  void everyRouteTheApiAnswersIsDescribedWithItsMethod() throws IOException {
    OpenAPI api = parse();
    for (ApiRoutes.Route route : ApiRoutes.Route.values()) {
      PathItem item = api.getPaths().get(route.path);
      assertThat(item).as("/openapi.json describes %s %s", route.method, route.path).isNotNull();
      PathItem.HttpMethod method = PathItem.HttpMethod.valueOf(route.method.toUpperCase(Locale.ROOT));
      assertThat(item.readOperationsMap()).as("/openapi.json describes %s %s", route.method, route.path).containsKey(method);
      assertThat(item.readOperationsMap().get(method).getResponses()).as("%s %s answers", route.method, route.path)
          .containsKeys("401", "503");
    }
    assertThat(api.getPaths()).as("described paths the API does not answer")
        .hasSize((int) java.util.Arrays.stream(ApiRoutes.Route.values()).map(r -> r.path).distinct().count());
  }

  @Test
  void theChatFramesAreSchemasWithEveryTypeOfTheProtocol() throws IOException {
    OpenAPI api = parse();
    assertThat(api.getComponents().getSchemas()).containsKeys("ClientFrame", "ServerEvent", "UserMessage", "Resume",
        "StopAgent", "ConnectionEstablished", "AgentStarted", "AgentThinking", "ToolExecuting", "ToolCompleted",
        "AgentCompleted", "ErrorPayload", "Pong");
    io.swagger.v3.oas.models.media.Schema<?> type =
        (io.swagger.v3.oas.models.media.Schema<?>) api.getComponents().getSchemas().get("ServerEvent").getProperties().get("type");
    assertThat(type.getEnum().stream().map(String::valueOf))
        .containsExactlyInAnyOrder("connection_established", "agent_started", "agent_thinking", "tool_executing",
            "tool_completed", "agent_completed", "error", "pong");
  }
}
