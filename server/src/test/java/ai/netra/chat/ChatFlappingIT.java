package ai.netra.chat;

import static org.assertj.core.api.Assertions.assertThat;

import ai.netra.auth.SigningKey;
import ai.netra.auth.Tokens;
import ai.netra.config.Settings;
import ai.netra.deploy.net.FaultProxy;
import ai.netra.deploy.net.FaultProxy.Mode;
import ai.netra.testing.ChatClient;
import ai.netra.testing.ServiceProcess;
import ai.netra.testing.TestDependencies;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two instances share PostgreSQL and Redis, and both dependencies flap under load: black-holed or
 * refused for a few seconds, again and again. Users ask questions all along from two sockets each,
 * one on each instance, and behave like the web page: they keep their sockets, reconnect after a
 * close, and resume a thread from the last event they hold in order when they see a gap. Counted
 * at the end, all must be 0: messages unanswered, runs stored without an end, stored events a
 * socket never got, events got but never stored, events got twice.
 *
 * <p>The suite runs a short version; {@code bench/flapping.sh} runs it longer with more users
 * ({@code -Dnetra.flap.users}, {@code -Dnetra.flap.seconds}) and writes its figures to bench/README.md.
 */
class ChatFlappingIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SECRET = "jwt-secret-0123456789abcdefghijklmnopqrstuv";
  private static final int USERS = Integer.getInteger("netra.flap.users", 6);
  private static final Duration LOAD = Duration.ofSeconds(Integer.getInteger("netra.flap.seconds", 50));
  private static final Duration FLAP_EVERY = Duration.ofSeconds(Integer.getInteger("netra.flap.every", 9));
  /** An answer (agent_started or an error) later than this counts as none. */
  private static final Duration ANSWER_WITHIN = Duration.ofSeconds(10);
  private static final Set<String> ENDS = Set.of("agent_completed", "error");

  private final Random random = new Random(20261206);
  private final long began = System.nanoTime();
  /** Each outage: when it began and ended (ms since the test began), and what it was. */
  private final List<Outage> outages = new CopyOnWriteArrayList<>();
  /** Each message: when it was sent (ms since the test began), how long its answer took (-1: none), and the answer. */
  private final List<Asked> asked = new CopyOnWriteArrayList<>();

  private record Outage(long fromMs, long toMs, String what) { }

  private record Asked(long sentMs, long waitedMs, String answer) { }

  private long sinceBegan() {
    return (System.nanoTime() - began) / 1_000_000;
  }

  @Test
  void everyMessageIsAnsweredEveryRunEndsAndEveryStoredEventIsDelivered() throws Exception {
    String databaseUrl = TestDependencies.freshDatabaseUrl("flapping");
    URI database = URI.create(databaseUrl);
    URI redis = URI.create(TestDependencies.requireRedis());
    String run = UUID.randomUUID().toString().substring(0, 6);
    try (FaultProxy pg = new FaultProxy(database.getHost(), database.getPort(), Mode.FORWARD);
        FaultProxy rd = new FaultProxy(redis.getHost(), redis.getPort() > 0 ? redis.getPort() : 6379, Mode.FORWARD)) {
      Map<String, String> env = new HashMap<>(ServiceProcess.deployedEnv("staging"));
      for (String name : List.of("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD",
          "POSTGRES_SSLMODE")) {
        env.remove(name);
      }
      env.put("DATABASE_URL", database.getScheme() + "://" + database.getRawUserInfo() + "@127.0.0.1:" + pg.port()
          + database.getRawPath());
      env.put("REDIS_URL", "redis://127.0.0.1:" + rd.port());
      env.put("REDIS_KEY_PREFIX", TestDependencies.redisPrefix("flapping-" + run));
      env.put("JWT_SECRET_KEY", SECRET);
      env.put("CHAT_RUNS_PER_USER", "4");
      try (ServiceProcess a = ServiceProcess.start(env);
          ServiceProcess b = startAfter(a, env)) {
        b.awaitStatus("/health/ready", 200, Duration.ofSeconds(90));
        Tokens tokens = new Tokens(SigningKey.load(Settings.read(Map.of("JWT_SECRET_KEY", SECRET))));
        List<User> users = new ArrayList<>();
        for (int i = 0; i < USERS; i++) {
          String id = "flap-" + run + "-" + i;
          ServiceProcess first = i % 2 == 0 ? a : b;
          ServiceProcess second = i % 2 == 0 ? b : a;
          users.add(new User(id, tokens.mint(id, Duration.ofHours(1)), first, second));
        }
        users.forEach(User::start);
        // The page sends nothing before its socket is open: neither do these users.
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> users.stream()
            .allMatch(u -> u.clients.stream().allMatch(c -> c.socket != null)));

        AtomicBoolean loading = new AtomicBoolean(true);
        Thread flapper = Thread.ofVirtual().start(() -> flap(pg, rd, loading));
        List<Thread> senders = users.stream().map(u -> Thread.ofVirtual().start(() -> u.ask(loading))).toList();
        Thread.sleep(LOAD);
        loading.set(false);
        flapper.join();
        for (Thread t : senders) {
          t.join();
        }
        pg.mode(Mode.FORWARD);
        pg.resumeOpenConnections();
        rd.mode(Mode.FORWARD);
        rd.resumeOpenConnections();

        // Every run ends within its run timeout and the sweepers' grace; then the sockets get what is stored.
        long settleUntil = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        Stored stored = stored(databaseUrl, run);
        while (System.nanoTime() < settleUntil && (stored.runsWithoutEnd() > 0 || undelivered(users, stored) > 0)) {
          Thread.sleep(1000);
          stored = stored(databaseUrl, run);
        }
        users.forEach(User::stop);

        int messages = users.stream().mapToInt(u -> u.sent.size()).sum();
        List<Long> answerMs = users.stream().flatMap(u -> u.answerMs.stream()).sorted().toList();
        int unanswered = users.stream().mapToInt(u -> u.unanswered.size()).sum();
        Map<String, Long> answers = users.stream().flatMap(u -> u.answers.stream())
            .collect(Collectors.groupingBy(s -> s, TreeMap::new, Collectors.counting()));
        Stored last = stored(databaseUrl, run); // what the sockets got until they stopped, against what is stored now
        long undelivered = undelivered(users, last);
        long notStored = users.stream().flatMap(u -> u.clients.stream()).mapToLong(c -> c.notIn(last.events)).sum();
        long resent = users.stream().flatMap(u -> u.clients.stream()).mapToLong(c -> c.resent).sum();
        long duplicates = last.doubleEnds() + users.stream().flatMap(u -> u.clients.stream()).mapToLong(c -> c.appliedTwice).sum();
        System.out.printf(Locale.ROOT, "[flapping] %d users x 2 sockets, 2 instances, %d s of load, a flap every %d s%n",
            USERS, LOAD.toSeconds(), FLAP_EVERY.toSeconds());
        for (Outage o : outages) {
          // The messages sent while it lasted, or in the 5 s after, when pools and subscriptions come back.
          List<Asked> during = asked.stream().filter(m -> m.sentMs() >= o.fromMs() && m.sentMs() <= o.toMs() + 5000).toList();
          System.out.printf(Locale.ROOT, "[flapping]   at %5.1f s: %-22s %4.1f s; %2d messages sent then or within 5 s,"
                  + " longest wait %5d ms, %d answered with an error%n", o.fromMs() / 1000.0, o.what(),
              (o.toMs() - o.fromMs()) / 1000.0, during.size(), during.stream().mapToLong(Asked::waitedMs).max().orElse(0),
              during.stream().filter(m -> m.answer().startsWith("error")).count());
        }
        System.out.printf(Locale.ROOT, "[flapping] messages %d, answers %s, unanswered %d; answer time p50 %d ms, p99 %d ms,"
                + " max %d ms%n", messages, answers, unanswered, pct(answerMs, 0.5), pct(answerMs, 0.99),
            answerMs.isEmpty() ? 0 : answerMs.getLast());
        System.out.printf(Locale.ROOT, "[flapping] runs %d, without an end %d; stored events %d, undelivered %d, delivered"
                + " but not stored %d, duplicates %d (runs ended twice %d); events sent again for a resume %d%n",
            stored.runs, stored.runsWithoutEnd(), stored.events.values().stream().mapToInt(Set::size).sum(),
            undelivered, notStored, duplicates, last.doubleEnds(), resent);

        for (User u : users) { // who missed what, so that a failure says where to look
          for (Client c : u.clients) {
            List<String> missing = last.events.getOrDefault(u.id, Set.of()).stream().filter(e -> !c.received.contains(e))
                .sorted().toList();
            if (!missing.isEmpty()) {
              System.out.printf(Locale.ROOT, "[flapping]   %s on instance %d (%s) misses %d events, first %s; in order up to %s%n",
                  u.id, c.instance.port(), c == u.asker ? "asker" : "other tab", missing.size(), missing.getFirst(), c.inOrder);
            }
          }
        }
        for (User u : users) { // and what was delivered that the database does not hold
          for (Client c : u.clients) {
            Set<String> mine = last.events.getOrDefault(u.id, Set.of());
            List<String> extra = c.received.stream().filter(e -> !mine.contains(e)).sorted().toList();
            if (!extra.isEmpty()) {
              String thread = extra.getFirst().substring(0, extra.getFirst().indexOf('/'));
              System.out.printf(Locale.ROOT, "[flapping]   %s on instance %d got %d events not stored: %s; stored in that"
                      + " thread: %s%n", u.id, c.instance.port(), extra.size(), extra,
                  mine.stream().filter(e -> e.startsWith(thread)).sorted().toList());
            }
          }
        }
        String logs = a.outputText() + b.outputText();
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "flapping-instance-a.log"), a.outputText());
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "flapping-instance-b.log"), b.outputText());
        System.out.printf(Locale.ROOT, "[flapping] the instances' logs: %d repairs from the database, %d ends stored on a"
                + " later try, %d runs swept, %d subscriptions lost, %d rate-limiter fallbacks%n",
            count(logs, "missed while the event bus was away"), count(logs, "could not store its end yet"),
            count(logs, "left open by an instance"), count(logs, "Redis event subscription lost"),
            count(logs, "this instance's own limits apply"));

        assertThat(messages).as("messages sent").isGreaterThan(USERS * 5);
        assertThat(unanswered).as("messages with no agent_started and no error within %s: %s", ANSWER_WITHIN,
            users.stream().flatMap(u -> u.unanswered.stream()).toList()).isZero();
        assertThat(stored.runsWithoutEnd()).as("runs stored without an end: %s", stored.open).isZero();
        assertThat(undelivered).as("stored events a connected socket never got").isZero();
        assertThat(notStored).as("events delivered that were never stored").isZero();
        assertThat(duplicates).as("events a socket got twice").isZero();
        assertThat(a.alive() && b.alive()).as("both instances still serve").isTrue();
      }
    }
  }

  private static ServiceProcess startAfter(ServiceProcess first, Map<String, String> env) {
    first.awaitStatus("/health/ready", 200, Duration.ofSeconds(90)); // the first migrates; the second finds it done
    return ServiceProcess.start(env);
  }

  private static long count(String text, String marker) {
    return text.lines().filter(l -> l.contains(marker)).count();
  }

  private static long pct(List<Long> sorted, double p) {
    return sorted.isEmpty() ? 0 : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  /** Every {@link #FLAP_EVERY}, PostgreSQL or Redis black-holed or refused for 2 to 5 s, in turn. */
  private void flap(FaultProxy pg, FaultProxy rd, AtomicBoolean loading) {
    int n = 0;
    try {
      Thread.sleep(Duration.ofSeconds(3));
      while (loading.get()) {
        FaultProxy proxy = n % 2 == 0 ? pg : rd;
        boolean hole = n % 4 < 2;
        Duration outage = Duration.ofMillis(2000 + random.nextInt(3000));
        long at = sinceBegan();
        if (hole) {
          proxy.mode(Mode.BLACK_HOLE);
          proxy.blackHoleOpenConnections();
        } else {
          proxy.mode(Mode.REFUSE);
          proxy.dropAll();
        }
        Thread.sleep(outage);
        proxy.mode(Mode.FORWARD);
        proxy.resumeOpenConnections();
        outages.add(new Outage(at, sinceBegan(), (proxy == pg ? "PostgreSQL" : "Redis") + (hole ? " black-holed" : " refused")));
        n++;
        Thread.sleep(FLAP_EVERY.minus(outage).isNegative() ? Duration.ZERO : FLAP_EVERY.minus(outage));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** What the database holds for this run's users; {@code doubleEnds}: runs stored with more than one end. */
  private record Stored(Map<String, Set<String>> events, int runs, List<String> open, int doubleEnds) {
    int runsWithoutEnd() {
      return open.size();
    }
  }

  private static Stored stored(String databaseUrl, String run) throws Exception {
    URI url = URI.create(databaseUrl);
    Map<String, Set<String>> events = new HashMap<>();
    List<String> open = new ArrayList<>();
    int runs;
    int doubleEnds;
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + url.getHost() + ":" + url.getPort()
        + url.getPath() + "?user=" + url.getUserInfo())) {
      // One snapshot for every query: read one by one, a run that ended between the events' query and the runs' query
      // counted as ended while its end was not among the events read, and its sockets then held an event "not stored".
      c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
      c.setAutoCommit(false);
      try (PreparedStatement s = c.prepareStatement("select t.user_id, e.thread_id, e.event_id, e.type from run_events e"
          + " join threads t on t.id = e.thread_id where t.user_id like ?")) {
        s.setString(1, "flap-" + run + "-%");
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            events.computeIfAbsent(rs.getString(1), u -> new HashSet<>())
                .add(rs.getString(2) + "/" + rs.getLong(3) + "/" + rs.getString(4));
          }
        }
      }
      // A run is without an end while it is marked running or its stored events hold no agent_completed nor error.
      try (PreparedStatement s = c.prepareStatement("""
          select r.id, r.status, (select string_agg(e.type, ',' order by e.event_id) from run_events e where e.run_id = r.id)
            from agent_runs r
           where r.user_id like ?
             and (r.status = 'running'
                  or not exists (select 1 from run_events e where e.run_id = r.id and e.type in ('agent_completed', 'error')))""")) {
        s.setString(1, "flap-" + run + "-%");
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            open.add(rs.getString(1) + " " + rs.getString(2) + " [" + rs.getString(3) + "]");
          }
        }
      }
      try (PreparedStatement s = c.prepareStatement("select count(*) from agent_runs where user_id like ?")) {
        s.setString(1, "flap-" + run + "-%");
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          runs = rs.getInt(1);
        }
      }
      try (PreparedStatement s = c.prepareStatement("select count(*) from (select e.run_id from run_events e"
          + " join agent_runs r on r.id = e.run_id where r.user_id like ? and e.type in ('agent_completed', 'error')"
          + " group by e.run_id having count(*) > 1) x")) {
        s.setString(1, "flap-" + run + "-%");
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          doubleEnds = rs.getInt(1);
        }
      }
      c.commit();
    }
    return new Stored(events, runs, open, doubleEnds);
  }

  private static long undelivered(List<User> users, Stored stored) {
    long missing = 0;
    for (User u : users) {
      for (Client c : u.clients) {
        for (String e : stored.events.getOrDefault(u.id, Set.of())) {
          if (!c.received.contains(e)) {
            missing++;
          }
        }
      }
    }
    return missing;
  }

  /** One user: a socket that asks on one instance, and a second one (another tab) on the other. */
  private final class User {
    final String id;
    final String token;
    final Client asker;
    final List<Client> clients;
    final List<String> sent = new CopyOnWriteArrayList<>();
    final List<String> unanswered = new CopyOnWriteArrayList<>();
    final List<String> answers = new CopyOnWriteArrayList<>();
    final List<Long> answerMs = new CopyOnWriteArrayList<>();

    User(String id, String token, ServiceProcess first, ServiceProcess second) {
      this.id = id;
      this.token = token;
      this.asker = new Client(this, first);
      this.clients = List.of(asker, new Client(this, second));
    }

    void start() {
      clients.forEach(Client::start);
    }

    void stop() {
      clients.forEach(Client::stop);
    }

    /** A question every 2 to 4 s, into the user's own thread (the first one creates it). */
    void ask(AtomicBoolean loading) {
      Random mine = new Random(id.hashCode());
      String[] questions = {"how much did I spend last week?", "any anomalies?", "where can I cut my AI spend?",
          "is caching worth it?"};
      try {
        while (loading.get()) {
          Thread.sleep(2000 + mine.nextInt(2000));
          String question = questions[mine.nextInt(questions.length)];
          String label = "message " + (sent.size() + 1) + " of " + id;
          sent.add(label);
          long at = System.nanoTime();
          long sentMs = sinceBegan();
          String answer = asker.askAndWait(question, ANSWER_WITHIN);
          if (answer == null) {
            unanswered.add(label);
            asked.add(new Asked(sentMs, -1, "none"));
          } else {
            answers.add(answer);
            long waited = (System.nanoTime() - at) / 1_000_000;
            answerMs.add(waited);
            asked.add(new Asked(sentMs, waited, answer));
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * A socket that behaves like the page: it reconnects after a close, applies each thread's events
   * once and in order, and on a gap (or after reconnecting) resumes the thread from the last event it
   * holds in order.
   */
  private final class Client {
    final User user;
    final ServiceProcess instance;
    /** The events applied, in order per thread, as the page shows them: "thread/id/type". */
    final Set<String> received = ConcurrentHashMap.newKeySet();
    final Map<String, Long> inOrder = new ConcurrentHashMap<>();
    final Map<String, Long> resumeAsked = new ConcurrentHashMap<>();
    /** Per thread, the ids that arrived on this connection since the thread was last resumed. */
    final Map<String, Set<Long>> arrived = new ConcurrentHashMap<>();
    /** Events that arrived again on the same connection: what a resume replays (the page drops them). */
    volatile long resent;
    /** Events applied twice: a stored event the page would show twice. */
    volatile long appliedTwice;
    volatile ChatClient socket;
    volatile boolean stopped;
    volatile String thread;
    /** The answer the asker waits for: the next agent_started of its thread, or an error about its message. */
    volatile java.util.concurrent.CompletableFuture<String> waiting;
    Thread reader;

    Client(User user, ServiceProcess instance) {
      this.user = user;
      this.instance = instance;
    }

    void start() {
      reader = Thread.ofVirtual().start(this::read);
    }

    void stop() {
      stopped = true;
      ChatClient s = socket;
      if (s != null) {
        s.close();
      }
    }

    String askAndWait(String question, Duration within) throws InterruptedException {
      java.util.concurrent.CompletableFuture<String> answer = new java.util.concurrent.CompletableFuture<>();
      waiting = answer;
      ChatClient s = socket;
      String t = thread;
      try {
        if (s == null) {
          return null;
        }
        s.send(JSON.createObjectNode().put("type", "user_message").set("payload", t == null
            ? JSON.createObjectNode().put("content", question)
            : JSON.createObjectNode().put("content", question).put("thread_id", t)).toString());
        return answer.get(within.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException
               | java.util.concurrent.CompletionException e) {
        return null;
      } finally {
        waiting = null;
      }
    }

    private void read() {
      long backoff = 250;
      while (!stopped) {
        try {
          socket = ChatClient.connect(URI.create("ws://127.0.0.1:" + instance.port() + "/ws/chat"), user.token, null);
          backoff = 250;
          resumeAll();
          while (!stopped) {
            String frame;
            try {
              frame = socket.nextText(Duration.ofSeconds(1));
            } catch (AssertionError quiet) {
              if (socket.socket().isInputClosed()) {
                break;
              }
              continue;
            }
            handle(JSON.readTree(frame));
          }
        } catch (Exception | AssertionError e) {
          // refused or dropped: reconnect, as the page does
        }
        if (!stopped) {
          try {
            Thread.sleep(backoff);
          } catch (InterruptedException e) {
            return;
          }
          backoff = Math.min(2000, backoff * 2);
        }
      }
    }

    /** After (re)connecting: every thread of the user, from the last event held in order. */
    private void resumeAll() throws Exception {
      HttpResponse<String> threads = HttpClient.newHttpClient().send(HttpRequest.newBuilder(instance.uri("/api/threads"))
          .header("Authorization", "Bearer " + user.token).timeout(Duration.ofSeconds(10)).GET().build(),
          HttpResponse.BodyHandlers.ofString());
      resumeAsked.clear();
      arrived.clear();
      if (threads.statusCode() == 200) {
        for (JsonNode t : JSON.readTree(threads.body()).path("threads")) {
          inOrder.putIfAbsent(t.path("id").asText(), 0L);
        }
      }
      for (Map.Entry<String, Long> e : inOrder.entrySet()) {
        resume(e.getKey(), e.getValue());
      }
    }

    private void resume(String threadId, long after) {
      if (Long.valueOf(after).equals(resumeAsked.get(threadId))) {
        return;
      }
      resumeAsked.put(threadId, after);
      arrived.computeIfAbsent(threadId, t -> ConcurrentHashMap.newKeySet()).removeIf(i -> i > after); // asked for again
      socket.send(JSON.createObjectNode().put("type", "resume").set("payload",
          JSON.createObjectNode().put("thread_id", threadId).put("after_event_id", after)).toString());
    }

    private void handle(JsonNode event) {
      String type = event.path("type").asText();
      long id = event.path("event_id").asLong();
      String threadId = event.path("thread_id").isNull() ? null : event.path("thread_id").asText(null);
      java.util.concurrent.CompletableFuture<String> w = waiting;
      if (id == 0) {
        if (type.equals("error") && w != null && (threadId == null || threadId.equals(thread))) {
          w.complete("error " + event.at("/payload/code").asText());
        }
        return;
      }
      if (!arrived.computeIfAbsent(threadId, t -> ConcurrentHashMap.newKeySet()).add(id)) {
        resent++;
      }
      long held = inOrder.getOrDefault(threadId, 0L);
      if (id > held + 1) {
        resume(threadId, held); // a gap: drop it and ask for what is missing once, as the page does
      } else if (id == held + 1) {
        inOrder.put(threadId, id);
        if (!received.add(threadId + "/" + id + "/" + type)) {
          appliedTwice++;
        }
      }
      if (type.equals("agent_started") && w != null && this == user.asker) {
        boolean mine = thread == null ? event.at("/payload/new_thread").asBoolean() : threadId.equals(thread);
        if (mine) {
          thread = threadId;
          w.complete("agent_started");
        }
      }
    }

    /** Events received that the database does not hold for this user. */
    long notIn(Map<String, Set<String>> stored) {
      Set<String> mine = stored.getOrDefault(user.id, Collections.emptySet());
      return received.stream().filter(k -> !mine.contains(k)).count();
    }
  }
}
