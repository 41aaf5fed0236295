package ai.netra.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import ai.netra.chat.EventJson.ChatEvent;
import ai.netra.startup.Outcome;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.Period;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventJsonTest {

  private static final ObjectMapper READER = new ObjectMapper();
  private static final Instant T = Instant.parse("2025-03-01T12:00:00.250Z");

  private final EventJson json = new EventJson();

  enum State {
    IN_PROGRESS,
    DONE {
      @Override
      public String toString() {
        return "Finished!"; // toString is not the wire name
      }
    }
  }

  record AgentStatus(String agentName, Outcome state, Instant startedAt, Duration took) { }

  record Renamed(@JsonProperty("custom") String value, @JsonIgnore String secret, int runCount) { }

  record Box(Object content) { }

  record Empty() { }

  static final class Bean {
    public String getUserName() {
      return "ada";
    }

    public int getMessageCount() {
      return 3;
    }

    public String getExplodes() {
      throw new IllegalStateException("getter fault");
    }

    public List<String> getTags() {
      return List.of("a", "b");
    }
  }

  static final class Node {
    private final String name;
    private final List<Node> children = new ArrayList<>();
    private Node parent;

    Node(String name) {
      this.name = name;
    }

    public String getName() {
      return name;
    }

    public List<Node> getChildren() {
      return children;
    }

    public Node getParent() {
      return parent;
    }
  }

  static final class NotABean {
    @Override
    public String toString() {
      return "x".repeat(1_000);
    }
  }

  static final class ToStringThrows {
    @Override
    public String toString() {
      throw new UnsupportedOperationException("no text");
    }
  }

  static final class OutOfMemoryGetter {
    public String getHuge() {
      throw new OutOfMemoryError("simulated: Java heap space");
    }
  }

  private JsonNode tree(String text) {
    try {
      return READER.readTree(text);
    } catch (Exception e) {
      throw new AssertionError("not valid JSON: " + text, e);
    }
  }

  private JsonNode write(Object value) {
    return tree(json.write(value));
  }

  @Test
  void thePongShortcutWritesExactlyWhatEventJsonWrites() throws Exception {
    String fast = ChatService.pong();
    Instant at = Instant.parse(new ObjectMapper().readTree(fast).path("timestamp").asText());
    assertThat(fast).isEqualTo(new EventJson().event(new ChatEvent("pong", 0, null, null, at, java.util.Map.of())));
  }

  @Test
  void enumsAreWrittenAsLowerCaseNamesEvenWhenToStringIsOverridden() {
    assertThat(json.write(Outcome.READY)).isEqualTo("\"ready\"");
    assertThat(json.write(State.IN_PROGRESS)).isEqualTo("\"in_progress\"");
    assertThat(json.write(State.DONE)).as("constant with a body and its own toString").isEqualTo("\"done\"");
    assertThat(json.write(Map.of(State.DONE, 1))).as("enum map keys too").isEqualTo("{\"done\":1}");
  }

  @Test
  void aRecordHoldingAnEnumStateWritesInsteadOfClosingTheSocket() {
    AgentStatus status = new AgentStatus("triage", Outcome.DEGRADED, T, Duration.ofMillis(1500));
    String text = json.event(new ChatEvent("agent_started", 7, null, null, T, status));
    JsonNode event = tree(text);
    assertThat(event.path("payload").path("state").asText()).isEqualTo("degraded");
    assertThat(event.path("payload").path("agent_name").asText()).isEqualTo("triage");
    assertThat(event.path("payload").path("took").asText()).isEqualTo("PT1.5S");
    assertThat(json.fallbacks()).isZero();
  }

  @Test
  void javaTimeValuesAreIso8601Strings() {
    assertThat(json.write(T)).isEqualTo("\"2025-03-01T12:00:00.250Z\"");
    assertThat(json.write(OffsetDateTime.of(2025, 3, 1, 10, 15, 0, 0, ZoneOffset.ofHours(1))))
        .as("seconds are always written").isEqualTo("\"2025-03-01T10:15:00+01:00\"");
    assertThat(json.write(ZonedDateTime.of(2025, 3, 1, 10, 15, 30, 0, ZoneId.of("Europe/Paris"))))
        .isEqualTo("\"2025-03-01T10:15:30+01:00\"");
    assertThat(json.write(LocalDate.of(2025, 3, 1))).isEqualTo("\"2025-03-01\"");
    assertThat(json.write(LocalDateTime.of(2025, 3, 1, 10, 15))).isEqualTo("\"2025-03-01T10:15:00\"");
    assertThat(json.write(Duration.ofMillis(1500))).isEqualTo("\"PT1.5S\"");
    assertThat(json.write(Period.ofDays(3))).isEqualTo("\"P3D\"");
    assertThat(json.write(ZoneId.of("Europe/Paris"))).isEqualTo("\"Europe/Paris\"");
    assertThat(json.write(Date.from(T))).as("java.util.Date as its instant").isEqualTo("\"2025-03-01T12:00:00.250Z\"");
    assertThat(json.write(java.sql.Date.valueOf("2025-03-01"))).as("java.sql.Date whose toInstant throws")
        .startsWith("\"2025-0");
    assertThat(json.write(java.sql.Timestamp.from(Instant.parse("2025-03-01T12:00:00.123456789Z"))))
        .isEqualTo("\"2025-03-01T12:00:00.123456789Z\"");
  }

  @Test
  void recordsUseSnakeCaseComponentNamesAndHonourJacksonAnnotations() {
    assertThat(json.write(new Renamed("v", "hunter2", 2))).isEqualTo("{\"custom\":\"v\",\"run_count\":2}");
    assertThat(json.write(new Empty())).isEqualTo("{}");
  }

  @Test
  void mapsCollectionsArraysAndOptionalsAreJsonContainers() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("list", List.of(1, "two", true));
    map.put("set", Set.of("only"));
    map.put("array", new Object[] {1L, null, 'c'});
    map.put("ints", new int[] {1, 2});
    map.put("doubles", new double[] {0.5, Double.NaN});
    map.put("present", Optional.of("x"));
    map.put("absent", Optional.empty());
    map.put("null", null);
    assertThat(json.write(map)).isEqualTo("{\"list\":[1,\"two\",true],\"set\":[\"only\"],\"array\":[1,null,\"c\"],"
        + "\"ints\":[1,2],\"doubles\":[0.5,null],\"present\":\"x\",\"absent\":null,\"null\":null}");
  }

  @Test
  void bytesAreBase64AndUuidsAndPathsAreStrings() {
    byte[] bytes = "hello, wire".getBytes(StandardCharsets.UTF_8);
    assertThat(write(bytes).asText()).isEqualTo(Base64.getEncoder().encodeToString(bytes));
    UUID id = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
    assertThat(json.write(id)).isEqualTo("\"123e4567-e89b-12d3-a456-426614174000\"");
    assertThat(json.write(Path.of("/tmp/a"))).as("a Path is an Iterable of itself: not a cycle").isEqualTo("\"/tmp/a\"");
  }

  @Test
  void numbersStayNumbersAndNanOrInfinityBecomeNull() {
    assertThat(json.write(new BigDecimal("12345678901234567890.000001"))).isEqualTo("12345678901234567890.000001");
    assertThat(json.write(new BigInteger("123456789012345678901234567890"))).isEqualTo("123456789012345678901234567890");
    assertThat(json.write(Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
    assertThat(json.write(0.1f)).isEqualTo("0.1");
    assertThat(json.write(Double.NaN)).isEqualTo("null");
    assertThat(json.write(Double.POSITIVE_INFINITY)).isEqualTo("null");
    assertThat(json.write(Float.NEGATIVE_INFINITY)).isEqualTo("null");
    assertThat(json.write(new java.util.concurrent.atomic.AtomicLong(5))).isEqualTo("5");
  }

  @Test
  void mapKeysOfAnyTypeAreWrittenWithStringValueOf() {
    Map<Object, Object> map = new LinkedHashMap<>();
    map.put(1, "int");
    map.put(null, "null key");
    map.put(List.of(1, 2), "list key");
    map.put(new ToStringThrows(), "bad key");
    JsonNode tree = write(map);
    assertThat(tree.path("1").asText()).isEqualTo("int");
    assertThat(tree.path("null").asText()).isEqualTo("null key");
    assertThat(tree.path("[1, 2]").asText()).isEqualTo("list key");
    assertThat(tree.path("<error: UnsupportedOperationException>").asText()).isEqualTo("bad key");
  }

  @Test
  void beansAreWrittenThroughTheirGettersAndAThrowingGetterOnlyCostsItsOwnValue() {
    long before = json.degraded();
    JsonNode tree = write(new Bean());
    assertThat(tree.path("user_name").asText()).isEqualTo("ada");
    assertThat(tree.path("message_count").asInt()).isEqualTo(3);
    assertThat(tree.path("tags")).hasSize(2);
    assertThat(tree.path("explodes").asText()).isEqualTo("<error: IllegalStateException>");
    assertThat(json.degraded()).isEqualTo(before + 1);
    assertThat(json.fallbacks()).isZero();
  }

  @Test
  void objectsThatAreNotBeansAreWrittenAsTheirTypeAndShortenedText() {
    JsonNode tree = write(new NotABean());
    assertThat(tree.path("type").asText()).isEqualTo("NotABean");
    assertThat(tree.path("value").asText()).hasSizeLessThanOrEqualTo(EventJson.MAX_FALLBACK_TEXT + 1).startsWith("xxx");
    assertThat(write(new ToStringThrows()).path("value").asText()).isEqualTo("<error: UnsupportedOperationException>");
    assertThat(write(new Object()).path("type").asText()).isEqualTo("Object");
    Runnable lambda = () -> { };
    assertThat(write(lambda).path("type").asText()).contains("Lambda");
    assertThat(write(Thread.currentThread()).path("type").asText()).as("JDK internals are not walked").isEqualTo("Thread");
    assertThat(write(new IllegalStateException("boom")).path("message").asText()).isEqualTo("boom");
  }

  @Test
  void stringsWithControlCharactersQuotesAndLoneSurrogatesStayValidJson() {
    String nasty = "quote \" backslash \\ newline \n tab \t bell \u0007 emoji \uD83D\uDE00 rtl \u202E sep \u2028";
    assertThat(write(nasty).asText()).isEqualTo(nasty);
    assertThat(write("lone \uD800 high, lone \uDC00 low, nul \u0000").asText())
        .as("lone surrogates and NUL become U+FFFD").isEqualTo("lone \uFFFD high, lone \uFFFD low, nul \uFFFD");
  }

  @Test
  void cyclesInMapsListsRecordsAndObjectGraphsBecomeMarkers() {
    Map<String, Object> map = new HashMap<>();
    map.put("self", map);
    assertThat(json.write(map)).isEqualTo("{\"self\":\"<cycle>\"}");

    List<Object> list = new ArrayList<>();
    list.add(1);
    list.add(List.of(list));
    assertThat(json.write(list)).isEqualTo("[1,[\"<cycle>\"]]");

    Object[] array = new Object[1];
    array[0] = array;
    assertThat(json.write(array)).isEqualTo("[\"<cycle>\"]");

    List<Object> inRecord = new ArrayList<>();
    inRecord.add(new Box(inRecord));
    assertThat(json.write(inRecord)).isEqualTo("[{\"content\":\"<cycle>\"}]");

    Node root = new Node("root");
    Node child = new Node("child");
    child.parent = root;
    root.children.add(child);
    child.children.add(root);
    JsonNode tree = write(root);
    assertThat(tree.path("children").get(0).path("parent").asText()).isEqualTo("<cycle>");
    assertThat(tree.path("children").get(0).path("children").get(0).asText()).isEqualTo("<cycle>");
  }

  @Test
  void aValueSharedTwiceIsNotACycleAndIsWrittenBothTimes() {
    List<Integer> shared = List.of(1);
    assertThat(json.write(List.of(shared, shared))).isEqualTo("[[1],[1]]");
  }

  @Test
  void veryDeepNestingStopsAtTheDepthLimitInsteadOfOverflowingTheStack() {
    Object deep = "bottom";
    for (int i = 0; i < 100_000; i++) {
      deep = List.of(deep);
    }
    String text = json.write(deep);
    assertThat(text).contains(EventJson.DEPTH_LIMIT).doesNotContain("bottom");
    int depth = 0;
    JsonNode node = tree(text);
    while (node.isArray()) {
      node = node.get(0);
      depth++;
    }
    assertThat(depth).isEqualTo(EventJson.DEFAULT_MAX_DEPTH);
  }

  @Test
  void aGraphOfSharedReferencesIsCutByTheValueBudget() {
    Object diamond = "leaf";
    for (int i = 0; i < 30; i++) {
      diamond = List.of(diamond, diamond); // 2^30 leaves if walked naively
    }
    EventJson small = new EventJson(EventJson.DEFAULT_MAX_DEPTH, 10_000);
    String text = small.write(diamond);
    assertThat(tree(text).isArray()).isTrue();
    assertThat(text).contains(EventJson.TRUNCATED).hasSizeLessThan(200_000);
  }

  @Test
  void anEventHasTheWireShape() {
    UUID run = UUID.randomUUID();
    UUID thread = UUID.randomUUID();
    JsonNode event = tree(json.event(new ChatEvent("agent_thinking", 42, run, thread, T, Map.of("thought", "hm"))));
    assertThat(event.properties()).extracting(Map.Entry::getKey)
        .containsExactly("type", "event_id", "run_id", "thread_id", "timestamp", "payload");
    assertThat(event.path("type").asText()).isEqualTo("agent_thinking");
    assertThat(event.path("event_id").asLong()).isEqualTo(42);
    assertThat(event.path("run_id").asText()).isEqualTo(run.toString());
    assertThat(event.path("thread_id").asText()).isEqualTo(thread.toString());
    assertThat(event.path("timestamp").asText()).isEqualTo("2025-03-01T12:00:00.250Z");
    assertThat(event.path("payload").path("thought").asText()).isEqualTo("hm");

    JsonNode pong = tree(json.event(new ChatEvent("pong", 0, null, null, T, null)));
    assertThat(pong.path("run_id").isNull()).isTrue();
    assertThat(pong.path("payload").isNull()).isTrue();
  }

  @Test
  void anEventWhosePayloadExplodesBecomesAWellFormedErrorEventAndIsCounted() {
    UUID run = UUID.randomUUID();
    String text = json.event(new ChatEvent("tool_completed", 9, run, null, T, Map.of("result", new OutOfMemoryGetter())));
    JsonNode event = tree(text);
    assertThat(event.path("type").asText()).isEqualTo("error");
    assertThat(event.path("event_id").asLong()).isEqualTo(9);
    assertThat(event.path("run_id").asText()).isEqualTo(run.toString());
    assertThat(event.path("thread_id").isNull()).isTrue();
    assertThat(event.path("timestamp").asText()).isEqualTo("2025-03-01T12:00:00.250Z");
    assertThat(event.path("payload").path("code").asText()).isEqualTo("serialization_failed");
    assertThat(event.path("payload").path("message").asText()).contains("tool_completed").contains("OutOfMemoryError");
    assertThat(json.fallbacks()).isEqualTo(1);

    assertThat(tree(json.write(new OutOfMemoryGetter())).path("error").asText()).isEqualTo("serialization_failed");
    assertThat(tree(json.event(null)).path("type").asText()).isEqualTo("error");
    assertThat(json.fallbacks()).isEqualTo(3);
  }

  @Test
  void aGetterThatOverflowsTheStackOnlyCostsItsOwnValue() {
    record Recursive(int n) {
      public int depth() {
        return depth();
      }
    }
    Object bean = new Object() {
      public int getDepth() {
        return new Recursive(1).depth();
      }

      public String getName() {
        return "still here";
      }
    };
    JsonNode tree = write(bean);
    assertThat(tree.path("depth").asText()).isEqualTo("<error: StackOverflowError>");
    assertThat(tree.path("name").asText()).isEqualTo("still here");
  }

  @Test
  void aTypicalSmallEventTakesMicrosecondsNotMilliseconds() {
    ChatEvent e = new ChatEvent("agent_completed", 12, UUID.randomUUID(), UUID.randomUUID(), T,
        Map.of("status", new AgentStatus("optimizer", Outcome.READY, T, Duration.ofSeconds(2)), "answer", "Use caching."));
    for (int i = 0; i < 30_000; i++) {
      json.event(e);
    }
    int n = 30_000;
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      json.event(e);
    }
    double micros = (System.nanoTime() - start) / 1_000.0 / n;
    // Generous bound: catches per-call reflection or mapper construction (milliseconds), not machine noise.
    assertThat(micros).as("microseconds per event").isLessThan(50);
  }

  @Test
  void randomObjectGraphsAlwaysGiveValidJsonAndEventsAlwaysHaveAStringType() {
    Random random = new Random(20250301L);
    EventJson writer = new EventJson();
    int cycles = 0;
    int errors = 0;
    for (int i = 0; i < 2_000; i++) {
      Generator generator = new Generator(random);
      Object value = generator.value(0);
      String text = writer.write(value);
      assertThatCode(() -> tree(text)).as("graph %d", i).doesNotThrowAnyException();
      cycles += text.contains(EventJson.CYCLE) ? 1 : 0;
      errors += text.contains("<error: ") ? 1 : 0;
      ChatEvent event = new ChatEvent(generator.type(), i, random.nextBoolean() ? UUID.randomUUID() : null, null, T, value);
      JsonNode written = tree(writer.event(event));
      assertThat(written.path("type").isTextual()).as("graph %d has a string type", i).isTrue();
      assertThat(written.has("payload")).isTrue();
    }
    assertThat(cycles).as("graphs with a cycle").isGreaterThan(50);
    assertThat(errors).as("graphs with a value that threw").isGreaterThan(50);
    assertThat(writer.fallbacks()).as("no random graph needs the last-resort error event").isZero();
  }

  @Test
  void randomStringsRoundTripExactlyWhenTheyHoldNoLoneSurrogateOrNul() {
    Random random = new Random(7);
    for (int i = 0; i < 2_000; i++) {
      String s = Generator.text(random, false);
      assertThat(write(s).asText()).isEqualTo(s);
    }
  }

  /** Random object graphs: every kind of value above, with self-references and values that throw. */
  private static final class Generator {
    private final Random random;
    private final List<Object> open = new ArrayList<>(); // mutable containers on the current path

    Generator(Random random) {
      this.random = random;
    }

    String type() {
      return random.nextInt(10) == 0 ? text(random, true) + "x" : "agent_thinking";
    }

    Object value(int depth) {
      int pick = random.nextInt(depth > 5 ? 12 : 22);
      return switch (pick) {
        case 0 -> null;
        case 1 -> text(random, true);
        case 2 -> number();
        case 3 -> random.nextBoolean();
        case 4 -> State.values()[random.nextInt(2)];
        case 5 -> Outcome.values()[random.nextInt(4)];
        case 6 -> time();
        case 7 -> UUID.randomUUID();
        case 8 -> new ToStringThrows();
        case 9 -> new Bean();
        case 10 -> open.isEmpty() ? "none open" : open.get(random.nextInt(open.size())); // a cycle
        case 11 -> new byte[] {(byte) random.nextInt(), 0, -1};
        case 12, 13 -> map(depth);
        case 14, 15 -> list(depth);
        case 16 -> array(depth);
        case 17 -> new Box(value(depth + 1));
        case 18 -> new AgentStatus(text(random, true), Outcome.FAILED, Instant.ofEpochSecond(random.nextInt()),
            Duration.ofNanos(random.nextLong()));
        case 19 -> node(depth);
        case 20 -> Optional.ofNullable(value(depth + 1));
        default -> new double[] {Double.NaN, random.nextGaussian(), Double.NEGATIVE_INFINITY};
      };
    }

    private Map<Object, Object> map(int depth) {
      Map<Object, Object> map = random.nextBoolean() ? new LinkedHashMap<>() : new HashMap<>();
      open.add(map);
      int n = random.nextInt(5);
      for (int i = 0; i < n; i++) {
        Object key = switch (random.nextInt(5)) {
          case 0 -> null;
          case 1 -> random.nextInt(100);
          case 2 -> State.IN_PROGRESS;
          case 3 -> new ToStringThrows();
          default -> text(random, true);
        };
        map.put(key, value(depth + 1));
      }
      open.remove(open.size() - 1);
      return map;
    }

    private List<Object> list(int depth) {
      List<Object> list = new ArrayList<>();
      open.add(list);
      int n = random.nextInt(5);
      for (int i = 0; i < n; i++) {
        list.add(value(depth + 1));
      }
      open.remove(open.size() - 1);
      return list;
    }

    private Object[] array(int depth) {
      Object[] array = new Object[random.nextInt(4)];
      open.add(array);
      for (int i = 0; i < array.length; i++) {
        array[i] = value(depth + 1);
      }
      open.remove(open.size() - 1);
      return array;
    }

    private Node node(int depth) {
      Node node = new Node(text(random, true));
      open.add(node);
      int n = random.nextInt(3);
      for (int i = 0; i < n; i++) {
        Node child = new Node("c" + i);
        child.parent = random.nextBoolean() ? node : null;
        if (random.nextBoolean()) {
          child.children.add(node);
        }
        node.children.add(child);
      }
      open.remove(open.size() - 1);
      return node;
    }

    private Object number() {
      return switch (random.nextInt(9)) {
        case 0 -> Double.NaN;
        case 1 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        case 2 -> random.nextLong();
        case 3 -> random.nextInt();
        case 4 -> new BigDecimal(BigInteger.valueOf(random.nextLong()), random.nextInt(200) - 100);
        case 5 -> new BigInteger(200, random);
        case 6 -> Double.longBitsToDouble(random.nextLong());
        case 7 -> (short) random.nextInt();
        default -> random.nextFloat();
      };
    }

    private Object time() {
      Instant instant = Instant.ofEpochSecond(random.nextLong(-60_000_000_000L, 60_000_000_000L), random.nextInt(1_000_000_000));
      return switch (random.nextInt(6)) {
        case 0 -> instant;
        case 1 -> OffsetDateTime.ofInstant(instant, ZoneOffset.ofHours(random.nextInt(-12, 13)));
        case 2 -> LocalDate.ofInstant(instant, ZoneOffset.UTC);
        case 3 -> Duration.ofNanos(random.nextLong());
        case 4 -> ZonedDateTime.ofInstant(instant, ZoneId.of("America/New_York"));
        default -> new TreeMap<>(Map.of("at", Date.from(Instant.ofEpochMilli(random.nextLong(1L << 40)))));
      };
    }

    static String text(Random random, boolean anything) {
      int n = random.nextInt(12);
      StringBuilder b = new StringBuilder();
      for (int i = 0; i < n; i++) {
        switch (random.nextInt(anything ? 8 : 6)) {
          case 0 -> b.append((char) (random.nextInt(0x1F) + 1)); // control characters
          case 1 -> b.append(random.nextBoolean() ? '"' : '\\');
          case 2 -> b.appendCodePoint(0x1F600 + random.nextInt(50)); // emoji, a surrogate pair
          case 3 -> b.append((char) (0x0400 + random.nextInt(0x2000))); // Cyrillic .. general punctuation
          case 4 -> b.append("\u2028\u202E");
          case 5 -> b.append((char) ('a' + random.nextInt(26)));
          case 6 -> b.append((char) (0xD800 + random.nextInt(0x800))); // a lone surrogate
          default -> b.append('\u0000');
        }
      }
      return b.toString();
    }
  }
}
