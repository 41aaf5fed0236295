package ai.netra.chat;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.BeanDescription;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializable;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.introspect.AnnotatedMember;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import com.fasterxml.jackson.databind.node.POJONode;
import com.fasterxml.jackson.databind.ser.BeanPropertyWriter;
import com.fasterxml.jackson.databind.ser.PropertyWriter;
import com.fasterxml.jackson.databind.ser.std.BeanSerializerBase;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.RecordComponent;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.OffsetTime;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Calendar;
import java.util.Collection;
import java.util.Currency;
import java.util.Date;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TimeZone;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAccumulator;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The one JSON writer of chat events: it writes any value and never throws. */
public final class EventJson {

  private static final Logger LOG = LoggerFactory.getLogger(EventJson.class);

  /** Containers nested deeper than this are written as {@value #DEPTH_LIMIT}. */
  public static final int DEFAULT_MAX_DEPTH = 32;
  /** Values written per call before the rest is cut with {@value #TRUNCATED}; bounds shared-reference blow-ups. */
  public static final int DEFAULT_MAX_VALUES = 1_000_000;
  public static final String CYCLE = "<cycle>";
  public static final String DEPTH_LIMIT = "<depth limit>";
  public static final String TRUNCATED = "<truncated>";
  /** {@code toString()} of an object written by the fallback is cut to this many chars. */
  public static final int MAX_FALLBACK_TEXT = 200;

  private static final int MAX_WARNED = 1_000;
  private static final PropertyNamingStrategies.NamingBase SNAKE_CASE = new PropertyNamingStrategies.SnakeCaseStrategy();

  private final ObjectMapper mapper;
  private final int maxDepth;
  private final int maxValues;
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicLong degraded = new AtomicLong();
  private final Set<String> warned = ConcurrentHashMap.newKeySet();
  private final ClassValue<String[]> enumNames = new ClassValue<>() {
    @Override
    protected String[] computeValue(Class<?> type) {
      Object[] constants = type.getEnumConstants();
      String[] names = new String[constants == null ? 0 : constants.length];
      for (int i = 0; i < names.length; i++) {
        names[i] = ((Enum<?>) constants[i]).name().toLowerCase(Locale.ROOT);
      }
      return names;
    }
  };
  private final ClassValue<Shape> shapes = new ClassValue<>() {
    @Override
    protected Shape computeValue(Class<?> type) {
      try {
        return shapeOf(type);
      } catch (IOException | RuntimeException | LinkageError e) {
        LOG.debug("{} is written with the fallback: its shape could not be read", type.getName(), e);
        return Opaque.INSTANCE;
      }
    }
  };

  /** A writer with the default limits: depth {@value #DEFAULT_MAX_DEPTH}, {@value #DEFAULT_MAX_VALUES} values. */
  public EventJson() {
    this(DEFAULT_MAX_DEPTH, DEFAULT_MAX_VALUES);
  }

  /**
   * A writer with its own limits.
   *
   * @throws IllegalArgumentException when a limit is not positive
   */
  public EventJson(int maxDepth, int maxValues) {
    if (maxDepth < 1 || maxValues < 1) {
      throw new IllegalArgumentException("EventJson limits must be positive: maxDepth=" + maxDepth + ", maxValues=" + maxValues);
    }
    this.maxDepth = maxDepth;
    this.maxValues = maxValues;
    // Used to introspect beans (names, annotations, access) and to buffer output; values themselves are walked here.
    this.mapper = JsonMapper.builder()
        .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .addModule(new JavaTimeModule())
        .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
        .build();
  }

  /** One server-to-client chat event; {@code runId} and {@code threadId} are null for events outside a run or thread. */
  public record ChatEvent(String type, long eventId, UUID runId, UUID threadId, Instant timestamp, Object payload) {

    /** @throws IllegalArgumentException when the type is blank, {@link NullPointerException} when type or timestamp is null */
    public ChatEvent {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(timestamp, "timestamp");
      if (type.isBlank()) {
        throw new IllegalArgumentException("a chat event needs a type");
      }
    }
  }

  /**
   * Writes {@code value} as JSON and never throws. A value that cannot be read becomes a marker, and only
   * when the JVM itself gives out (out of memory) is the result the minimal {@code {"type": "SimpleName",
   * "error": "serialization_failed"}}, counted in {@link #fallbacks()}. The rules, all on purpose:
   * <ul>
   *   <li>enums: lower-case {@code name()} ({@code READY} becomes {@code "ready"}), never {@code toString()};</li>
   *   <li>java.time: ISO-8601 strings ({@code Duration} as {@code "PT1.5S"}); {@code Date}/{@code Calendar} as instants;</li>
   *   <li>records: their components, snake_case names ({@code @JsonProperty}/{@code @JsonIgnore} honoured);</li>
   *   <li>other classes outside the JDK: their Jackson bean properties (public getters and fields, snake_case,
   *       {@code @JsonValue}), read one by one so a getter that throws only costs its own value;</li>
   *   <li>NaN and infinities: {@code null}, as JavaScript's {@code JSON.stringify} writes them, so a number
   *       field never turns into a string under the frontend's feet;</li>
   *   <li>{@code byte[]}: base64; {@code BigDecimal}/{@code BigInteger}: JSON numbers, all digits kept;</li>
   *   <li>strings: U+0000 and lone surrogates become U+FFFD (PostgreSQL {@code jsonb} rejects the escaped NUL,
   *       and a lone surrogate has no UTF-8 encoding);</li>
   *   <li>map keys: {@code String.valueOf(key)} (enums lower-case);</li>
   *   <li>markers: {@value #CYCLE} for a container already on the current path (a value shared, not
   *       cyclic, is written each time), {@value #DEPTH_LIMIT} below the depth limit, {@value #TRUNCATED}
   *       past the value budget (a field {@code "<truncated>": true} in objects), {@code "<error: ExceptionName>"}
   *       for a value whose reading threw (counted in {@link #degraded()});</li>
   *   <li>anything else (JDK internals, lambdas, classes without properties): {@code {"type": "SimpleName",
   *       "value": "toString(), at most 200 chars"}}.</li>
   * </ul>
   */
  public String write(Object value) {
    try {
      return mapper.writeValueAsString(new Root(null, value));
    } catch (Throwable t) {
      long n = fallbacks.incrementAndGet();
      String type = value == null ? "null" : typeName(value.getClass());
      logFallback("a value of type " + type, t, n);
      return "{\"type\":\"" + quote(type) + "\",\"error\":\"serialization_failed\"}";
    }
  }

  /**
   * Writes the wire event {@code {type, event_id, run_id, thread_id, timestamp, payload}}; never throws.
   * When the payload cannot be written at all, returns an {@code error} event with the same id, run, thread
   * and time, and payload {@code {"code": "serialization_failed", "message": ...}}, and counts it in {@link #fallbacks()}.
   */
  public String event(ChatEvent event) {
    if (event == null) {
      fallbacks.incrementAndGet();
      LOG.warn("a null chat event was passed to EventJson.event: sent an error event instead (a defect in the caller)");
      return errorEvent("null", 0, null, null, Instant.now(), "NullPointerException");
    }
    try {
      return mapper.writeValueAsString(new Root(event, null));
    } catch (Throwable t) {
      long n = fallbacks.incrementAndGet();
      logFallback("the payload of a " + event.type() + " event (event_id " + event.eventId() + ")", t, n);
      return errorEvent(event.type(), event.eventId(), event.runId(), event.threadId(), event.timestamp(),
          typeName(unwrap(t).getClass()));
    }
  }

  /** How many writes could not be done at all and became an {@code error} event (or the minimal error object of {@link #write}). */
  public long fallbacks() {
    return fallbacks.get();
  }

  /** How many values were written as {@code "<error: ...>"} because reading them threw (a getter, an iterator, a toString). */
  public long degraded() {
    return degraded.get();
  }

  private static String errorEvent(String type, long eventId, UUID runId, UUID threadId, Instant timestamp, String cause) {
    // Built by hand: nothing here can fail short of the JVM itself.
    return "{\"type\":\"error\",\"event_id\":" + eventId
        + ",\"run_id\":" + (runId == null ? "null" : "\"" + runId + "\"")
        + ",\"thread_id\":" + (threadId == null ? "null" : "\"" + threadId + "\"")
        + ",\"timestamp\":\"" + timestamp + "\""
        + ",\"payload\":{\"code\":\"serialization_failed\",\"message\":\"the " + quote(clean(type))
        + " event could not be written as JSON (" + quote(cause) + ")\"}}";
  }

  private static String quote(String s) {
    return new String(JsonStringEncoder.getInstance().quoteAsString(s));
  }

  private void logFallback(String what, Throwable t, long count) {
    try {
      LOG.warn("{} could not be written as JSON ({}); sent a serialization_failed error instead ({} so far)",
          what, unwrap(t).toString(), count, t);
    } catch (Throwable ignored) {
      // Logging must not turn a contained failure into a thrown one; the counter still says it happened.
    }
  }

  /** The root handed to Jackson, so output goes through its recycled buffers; the walk itself is {@link Walk}. */
  private final class Root extends JsonSerializable.Base {
    private final ChatEvent event;
    private final Object value;

    Root(ChatEvent event, Object value) {
      this.event = event;
      this.value = value;
    }

    @Override
    public void serialize(JsonGenerator g, SerializerProvider provider) throws IOException {
      Walk walk = new Walk(g);
      if (event == null) {
        walk.value(value);
        return;
      }
      g.writeStartObject();
      g.writeStringField("type", clean(event.type()));
      g.writeNumberField("event_id", event.eventId());
      writeUuidField(g, "run_id", event.runId());
      writeUuidField(g, "thread_id", event.threadId());
      g.writeStringField("timestamp", event.timestamp().toString());
      g.writeFieldName("payload");
      walk.value(event.payload());
      g.writeEndObject();
    }

    @Override
    public void serializeWithType(JsonGenerator g, SerializerProvider provider, TypeSerializer typeSer) throws IOException {
      serialize(g, provider);
    }
  }

  private static void writeUuidField(JsonGenerator g, String name, UUID id) throws IOException {
    if (id == null) {
      g.writeNullField(name);
    } else {
      g.writeStringField(name, id.toString());
    }
  }

  /** One write: the generator, the containers on the current path, and what is left of the value budget. */
  private final class Walk {
    private final JsonGenerator g;
    private final Object[] path = new Object[maxDepth];
    private int depth;
    private int budget = maxValues;

    Walk(JsonGenerator g) {
      this.g = g;
    }

    void value(Object v) throws IOException {
      budget--;
      if (v == null) {
        g.writeNull();
      } else if (v instanceof String s) {
        g.writeString(clean(s));
      } else if (v instanceof Boolean b) {
        g.writeBoolean(b);
      } else if (v instanceof Number n) {
        number(n);
      } else if (v instanceof Enum<?> e) {
        g.writeString(enumName(e));
      } else if (v instanceof Map<?, ?> m) {
        map(m);
      } else if (v instanceof Collection<?> c) {
        iterable(c, c);
      } else if (v instanceof Record) {
        shaped(v);
      } else if (v instanceof UUID || v instanceof Instant || v instanceof LocalDate || v instanceof Duration
          || v instanceof Period || v instanceof URI || v instanceof ZoneId) {
        g.writeString(v.toString());
      } else if (v instanceof TemporalAccessor t) {
        g.writeString(time(t));
      } else if (v instanceof Optional<?> o) {
        value(o.orElse(null));
      } else if (v.getClass().isArray()) {
        array(v);
      } else if (v instanceof CharSequence || v instanceof Character) {
        g.writeString(clean(text(v)));
      } else if (v instanceof JsonNode n) {
        node(n);
      } else {
        other(v);
      }
    }

    private void other(Object v) throws IOException {
      if (v instanceof OptionalInt o) {
        if (o.isPresent()) {
          g.writeNumber(o.getAsInt());
        } else {
          g.writeNull();
        }
      } else if (v instanceof OptionalLong o) {
        if (o.isPresent()) {
          g.writeNumber(o.getAsLong());
        } else {
          g.writeNull();
        }
      } else if (v instanceof OptionalDouble o) {
        number(o.isPresent() ? o.getAsDouble() : Double.NaN);
      } else if (v instanceof Path || v instanceof File || v instanceof URL || v instanceof Pattern || v instanceof Charset) {
        // Path is an Iterable of Paths (each of itself): it must be caught before Iterable.
        g.writeString(clean(text(v)));
      } else if (v instanceof java.sql.Timestamp ts) {
        g.writeString(ts.toInstant().toString()); // keeps the nanoseconds
      } else if (v instanceof Date d) {
        g.writeString(Instant.ofEpochMilli(d.getTime()).toString()); // java.sql.Date#toInstant throws
      } else if (v instanceof Calendar c) {
        g.writeString(Instant.ofEpochMilli(c.getTimeInMillis()).toString());
      } else if (v instanceof Throwable t) {
        g.writeStartObject();
        g.writeStringField("type", typeName(t.getClass()));
        g.writeFieldName("message");
        String message = read(t, "message", Throwable::getMessage);
        g.writeString(message == null ? null : clean(message));
        g.writeEndObject();
      } else if (v instanceof Map.Entry<?, ?> e) {
        if (enter(e)) {
          g.writeStartObject();
          entries(List.of(e).iterator(), e.getClass());
          g.writeEndObject();
          exit();
        }
      } else if (v instanceof Iterable<?> it) {
        iterable(it, it);
      } else if (v instanceof AtomicReference<?> r) {
        if (enter(r)) {
          value(r.get());
          exit();
        }
      } else if (v instanceof AtomicBoolean b) {
        g.writeBoolean(b.get());
      } else if (v instanceof ByteBuffer b) {
        ByteBuffer copy = b.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        g.writeBinary(bytes);
      } else if (v instanceof Class<?> c) {
        g.writeString(c.getName());
      } else if (v instanceof Locale l) {
        g.writeString(l.toLanguageTag());
      } else if (v instanceof Currency c) {
        g.writeString(c.getCurrencyCode());
      } else if (v instanceof TimeZone z) {
        g.writeString(z.getID());
      } else if (v instanceof InetAddress a) {
        g.writeString(a.getHostAddress());
      } else {
        shaped(v);
      }
    }

    private void shaped(Object v) throws IOException {
      Shape shape = shapes.get(v.getClass());
      if (shape instanceof RecordShape r) {
        properties(v, r.names(), r.accessors());
      } else if (shape instanceof BeanShape b) {
        properties(v, b.names(), b.writers());
      } else if (shape instanceof ValueShape s) {
        Object inner;
        try {
          inner = s.accessor().getValue(v);
        } catch (Throwable t) {
          g.writeString(failed(v.getClass(), "@JsonValue", t));
          return;
        }
        if (enter(v)) {
          value(inner);
          exit();
        }
      } else if (shape instanceof JacksonShape) {
        JsonNode tree;
        try {
          tree = mapper.valueToTree(v);
        } catch (Throwable t) {
          failed(v.getClass(), "its Jackson serializer", t);
          opaque(v);
          return;
        }
        value(tree);
      } else {
        opaque(v);
      }
    }

    /** Record components ({@link Method}) or bean properties ({@link BeanPropertyWriter}), each read on its own. */
    private void properties(Object v, String[] names, Object[] readers) throws IOException {
      if (!enter(v)) {
        return;
      }
      g.writeStartObject();
      for (int i = 0; i < names.length; i++) {
        if (budget <= 0) {
          g.writeBooleanField(TRUNCATED, true);
          break;
        }
        Object property;
        try {
          property = readers[i] instanceof Method m ? m.invoke(v) : ((BeanPropertyWriter) readers[i]).get(v);
        } catch (Throwable t) {
          g.writeStringField(names[i], failed(v.getClass(), names[i], t));
          continue;
        }
        g.writeFieldName(names[i]);
        value(property);
      }
      g.writeEndObject();
      exit();
    }

    private void map(Map<?, ?> m) throws IOException {
      if (!enter(m)) {
        return;
      }
      g.writeStartObject();
      Iterator<? extends Map.Entry<?, ?>> it;
      try {
        it = m.entrySet().iterator();
      } catch (Throwable t) {
        g.writeStringField("<error>", failed(m.getClass(), "entrySet", t));
        it = null;
      }
      entries(it, m.getClass());
      g.writeEndObject();
      exit();
    }

    private void entries(Iterator<? extends Map.Entry<?, ?>> it, Class<?> owner) throws IOException {
      while (it != null) {
        if (budget <= 0) {
          g.writeBooleanField(TRUNCATED, true);
          return;
        }
        String key;
        Object entryValue;
        try {
          if (!it.hasNext()) {
            return;
          }
          Map.Entry<?, ?> e = it.next();
          key = key(e.getKey());
          entryValue = e.getValue();
        } catch (Throwable t) {
          g.writeStringField("<error>", failed(owner, "iteration", t));
          return;
        }
        g.writeFieldName(key);
        value(entryValue);
      }
    }

    private void iterable(Iterable<?> items, Object identity) throws IOException {
      if (!enter(identity)) {
        return;
      }
      g.writeStartArray();
      Iterator<?> it;
      try {
        it = items.iterator();
      } catch (Throwable t) {
        g.writeString(failed(items.getClass(), "iterator", t));
        it = null;
      }
      while (it != null) {
        if (budget <= 0) {
          g.writeString(TRUNCATED);
          break;
        }
        Object next;
        try {
          if (!it.hasNext()) {
            break;
          }
          next = it.next();
        } catch (Throwable t) {
          g.writeString(failed(items.getClass(), "iteration", t));
          break;
        }
        value(next);
      }
      g.writeEndArray();
      exit();
    }

    private void array(Object a) throws IOException {
      if (a instanceof byte[] bytes) {
        g.writeBinary(bytes);
        return;
      }
      if (a instanceof char[] chars) {
        g.writeString(clean(new String(chars)));
        return;
      }
      if (!enter(a)) {
        return;
      }
      g.writeStartArray();
      if (a instanceof Object[] objects) {
        for (Object o : objects) {
          if (budget <= 0) {
            g.writeString(TRUNCATED);
            break;
          }
          value(o);
        }
      } else {
        int n = java.lang.reflect.Array.getLength(a);
        int shown = Math.min(n, Math.max(budget, 0));
        budget -= shown;
        if (a instanceof int[] x) {
          for (int i = 0; i < shown; i++) {
            g.writeNumber(x[i]);
          }
        } else if (a instanceof long[] x) {
          for (int i = 0; i < shown; i++) {
            g.writeNumber(x[i]);
          }
        } else if (a instanceof double[] x) {
          for (int i = 0; i < shown; i++) {
            number(x[i]);
          }
        } else if (a instanceof float[] x) {
          for (int i = 0; i < shown; i++) {
            number(x[i]);
          }
        } else if (a instanceof boolean[] x) {
          for (int i = 0; i < shown; i++) {
            g.writeBoolean(x[i]);
          }
        } else if (a instanceof short[] x) {
          for (int i = 0; i < shown; i++) {
            g.writeNumber(x[i]);
          }
        }
        if (shown < n) {
          g.writeString(TRUNCATED);
        }
      }
      g.writeEndArray();
      exit();
    }

    private void node(JsonNode n) throws IOException {
      switch (n.getNodeType()) {
        case OBJECT -> {
          if (enter(n)) {
            g.writeStartObject();
            Iterator<? extends Map.Entry<?, ?>> it;
            try {
              it = n.properties().iterator();
            } catch (Throwable t) {
              g.writeStringField("<error>", failed(n.getClass(), "properties", t));
              it = null;
            }
            entries(it, n.getClass());
            g.writeEndObject();
            exit();
          }
        }
        case ARRAY -> {
          List<JsonNode> items = new ArrayList<>(n.size());
          n.elements().forEachRemaining(items::add);
          iterable(items, n);
        }
        case STRING -> g.writeString(clean(n.textValue()));
        case NUMBER -> number(n.numberValue());
        case BOOLEAN -> g.writeBoolean(n.booleanValue());
        case BINARY -> g.writeBinary(n.binaryValue());
        case POJO -> value(((POJONode) n).getPojo());
        default -> g.writeNull(); // NULL, MISSING
      }
    }

    private void number(Number n) throws IOException {
      if (n instanceof Integer i) {
        g.writeNumber(i.intValue());
      } else if (n instanceof Long l) {
        g.writeNumber(l.longValue());
      } else if (n instanceof Double d) {
        number(d.doubleValue());
      } else if (n instanceof Float f) {
        number(f.floatValue());
      } else if (n instanceof BigDecimal b) {
        g.writeNumber(b);
      } else if (n instanceof BigInteger b) {
        g.writeNumber(b);
      } else if (n instanceof Short || n instanceof Byte || n instanceof AtomicInteger || n instanceof AtomicLong
          || n instanceof LongAdder || n instanceof LongAccumulator) {
        g.writeNumber(n.longValue());
      } else {
        // DoubleAdder, or a Number outside the JDK whose toString could be anything: its double value is a number.
        double x;
        try {
          x = n.doubleValue();
        } catch (Throwable t) {
          g.writeString(failed(n.getClass(), "doubleValue", t));
          return;
        }
        number(x);
      }
    }

    /** NaN and the infinities have no JSON form: null, like JavaScript's JSON.stringify. */
    private void number(double x) throws IOException {
      if (Double.isFinite(x)) {
        g.writeNumber(x);
      } else {
        g.writeNull();
      }
    }

    private void number(float x) throws IOException {
      if (Float.isFinite(x)) {
        g.writeNumber(x);
      } else {
        g.writeNull();
      }
    }

    private void opaque(Object v) throws IOException {
      String s = text(v);
      if (s.length() > MAX_FALLBACK_TEXT) {
        int cut = Character.isHighSurrogate(s.charAt(MAX_FALLBACK_TEXT - 1)) ? MAX_FALLBACK_TEXT - 1 : MAX_FALLBACK_TEXT;
        s = s.substring(0, cut) + "…";
      }
      g.writeStartObject();
      g.writeStringField("type", typeName(v.getClass()));
      g.writeStringField("value", clean(s));
      g.writeEndObject();
    }

    private String text(Object v) {
      String s = read(v, "toString", Object::toString);
      return s == null ? "null" : s;
    }

    private String key(Object k) {
      if (k instanceof String s) {
        return clean(s);
      }
      if (k instanceof Enum<?> e) {
        return enumName(e);
      }
      return clean(read(k, "toString", String::valueOf));
    }

    private <T> String read(T v, String what, java.util.function.Function<T, String> reader) {
      try {
        return reader.apply(v);
      } catch (Throwable t) {
        return failed(v.getClass(), what, t);
      }
    }

    /** Puts a container on the path, or writes why it is not written: a cycle or the depth limit. */
    private boolean enter(Object container) throws IOException {
      for (int i = 0; i < depth; i++) {
        if (path[i] == container) {
          g.writeString(CYCLE);
          return false;
        }
      }
      if (depth >= maxDepth) {
        g.writeString(DEPTH_LIMIT);
        return false;
      }
      path[depth++] = container;
      return true;
    }

    private void exit() {
      path[--depth] = null;
    }
  }

  /** The marker for a value whose reading threw; rethrows only errors the JVM cannot go on after. */
  private String failed(Class<?> owner, String what, Throwable thrown) {
    Throwable t = unwrap(thrown);
    rethrowIfFatal(t);
    if (t instanceof InterruptedException) {
      Thread.currentThread().interrupt();
    }
    degraded.incrementAndGet();
    String key = owner.getName() + "#" + what;
    if (warned.size() < MAX_WARNED && warned.add(key)) {
      LOG.warn("{} of a {} threw while writing a chat event; written as \"<error: {}>\" (later failures of it are"
          + " counted, not logged)", what, owner.getName(), typeName(t.getClass()), t);
    }
    return "<error: " + typeName(t.getClass()) + ">";
  }

  /**
   * A stack overflow inside foreign code (a recursive toString, a getter) has unwound by the time it gets here
   * and only costs that value; running out of memory or an internal JVM error ends the write.
   */
  private static void rethrowIfFatal(Throwable t) {
    if (t instanceof VirtualMachineError e && !(t instanceof StackOverflowError)) {
      throw e;
    }
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof InvocationTargetException && t.getCause() != null ? t.getCause() : t;
  }

  private String enumName(Enum<?> e) {
    String[] names = enumNames.get(e.getDeclaringClass());
    int i = e.ordinal();
    return i < names.length ? names[i] : e.name().toLowerCase(Locale.ROOT);
  }

  private static String time(TemporalAccessor t) {
    if (t instanceof OffsetDateTime o) {
      return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(o);
    }
    if (t instanceof ZonedDateTime z) {
      return DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(z); // the zone id is not ISO-8601; the offset is
    }
    if (t instanceof LocalDateTime l) {
      return DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(l);
    }
    if (t instanceof LocalTime l) {
      return DateTimeFormatter.ISO_LOCAL_TIME.format(l);
    }
    if (t instanceof OffsetTime o) {
      return DateTimeFormatter.ISO_OFFSET_TIME.format(o);
    }
    try {
      return clean(String.valueOf(t)); // Year, YearMonth, MonthDay, ZoneOffset, other calendars: toString is ISO
    } catch (RuntimeException | StackOverflowError e) {
      return "<error: " + typeName(e.getClass()) + ">";
    }
  }

  /** Replaces U+0000 and lone surrogates with U+FFFD; returns {@code s} itself when it has neither (the usual case). */
  static String clean(String s) {
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c == 0 || Character.isSurrogate(c)) {
        if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
          continue;
        }
        return repair(s, i);
      }
    }
    return s;
  }

  private static String repair(String s, int from) {
    StringBuilder b = new StringBuilder(s.length()).append(s, 0, from);
    for (int i = from, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        b.append(c).append(s.charAt(++i));
      } else if (c == 0 || Character.isSurrogate(c)) {
        b.append('\uFFFD');
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static String typeName(Class<?> c) {
    String simple = c.getSimpleName();
    if (!simple.isEmpty()) {
      return simple;
    }
    String name = c.getName(); // anonymous and hidden classes have no simple name
    return name.substring(name.lastIndexOf('.') + 1);
  }

  // --- shapes of classes that are not handled by type above: computed once per class ---

  private sealed interface Shape permits RecordShape, BeanShape, ValueShape, JacksonShape, Opaque { }

  private record RecordShape(String[] names, Method[] accessors) implements Shape { }

  private record BeanShape(String[] names, BeanPropertyWriter[] writers) implements Shape { }

  private record ValueShape(AnnotatedMember accessor) implements Shape { }

  private enum JacksonShape implements Shape { INSTANCE }

  private enum Opaque implements Shape { INSTANCE }

  private Shape shapeOf(Class<?> type) throws IOException {
    String name = type.getName();
    if (type.isHidden() || type.isSynthetic() || java.lang.reflect.Proxy.isProxyClass(type)
        || name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
        || name.startsWith("sun.") || name.startsWith("com.sun.")) {
      return Opaque.INSTANCE; // JDK internals: their getters lead to class loaders and threads; toString says enough
    }
    if (JsonSerializable.class.isAssignableFrom(type) || type.isAnnotationPresent(JsonSerialize.class)) {
      return JacksonShape.INSTANCE; // the class chose its own JSON
    }
    BeanDescription description = mapper.getSerializationConfig().introspect(mapper.constructType(type));
    AnnotatedMember jsonValue = description.findJsonValueAccessor();
    if (jsonValue != null) {
      jsonValue.fixAccess(true);
      return new ValueShape(jsonValue);
    }
    if (type.isRecord()) {
      return recordShape(type);
    }
    JsonSerializer<Object> serializer = mapper.getSerializerProviderInstance().findValueSerializer(type);
    if (serializer instanceof BeanSerializerBase bean) {
      List<String> names = new ArrayList<>();
      List<BeanPropertyWriter> writers = new ArrayList<>();
      for (Iterator<PropertyWriter> it = bean.properties(); it.hasNext(); ) {
        if (it.next() instanceof BeanPropertyWriter w) {
          names.add(w.getName());
          writers.add(w);
        }
      }
      if (!writers.isEmpty()) {
        return new BeanShape(names.toArray(String[]::new), writers.toArray(BeanPropertyWriter[]::new));
      }
    }
    return Opaque.INSTANCE;
  }

  private static Shape recordShape(Class<?> type) {
    List<String> names = new ArrayList<>();
    List<Method> accessors = new ArrayList<>();
    for (RecordComponent component : type.getRecordComponents()) {
      Method accessor = component.getAccessor();
      java.lang.reflect.Field field = fieldOf(type, component.getName());
      if (accessor.isAnnotationPresent(JsonIgnore.class) || (field != null && field.isAnnotationPresent(JsonIgnore.class))) {
        continue;
      }
      accessor.setAccessible(true); // records nested in other classes are often not public
      JsonProperty property = accessor.getAnnotation(JsonProperty.class);
      if (property == null && field != null) {
        property = field.getAnnotation(JsonProperty.class);
      }
      names.add(property != null && !property.value().isEmpty() ? property.value() : SNAKE_CASE.translate(component.getName()));
      accessors.add(accessor);
    }
    return new RecordShape(names.toArray(String[]::new), accessors.toArray(Method[]::new));
  }

  private static java.lang.reflect.Field fieldOf(Class<?> type, String name) {
    try {
      return type.getDeclaredField(name);
    } catch (NoSuchFieldException e) {
      return null;
    }
  }
}
