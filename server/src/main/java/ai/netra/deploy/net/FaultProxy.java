package ai.netra.deploy.net;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TCP proxy on {@code 127.0.0.1:<free port>} in front of a real upstream, whose behaviour its owner
 * switches at runtime to play a dependency that is gone, refuses, is slow, or black-holes traffic:
 * {@code netra simulate} puts the service's PostgreSQL and Redis behind one to add connection
 * latency, and the dependency tests use it to take them away while the service runs.
 *
 * <p>A mode applies to connections accepted after it is set; connections already open keep the
 * behaviour they were accepted with until {@link #dropAll()} cuts them (as a network cut would).
 * The port stays the same for the proxy's whole life, also across {@link Mode#ABSENT}, where the
 * listening socket is closed so that connects are refused, and bound again when the mode changes.
 *
 * <p>Every thread is virtual and tracked; {@link #close()} closes every socket and waits for every
 * thread, so nothing outlives the proxy. Only the loopback interface is ever bound.
 */
public final class FaultProxy implements AutoCloseable {

  /** What the proxy does with a connection. */
  public enum Kind {
    /** A plain byte pipe to the upstream, both ways. */
    FORWARD,
    /** No listener at all: connects are refused by the kernel. */
    ABSENT,
    /** Accepts, then closes at once without a byte. */
    REFUSE,
    /** Accepts, waits {@link Mode#delay()}, then forwards. */
    SLOW,
    /** Accepts, reads and discards everything, never answers, never closes. */
    BLACK_HOLE
  }

  /** A {@link Kind} and, for {@link Kind#SLOW}, its delay. */
  public record Mode(Kind kind, Duration delay) {
    public static final Mode FORWARD = new Mode(Kind.FORWARD, Duration.ZERO);
    public static final Mode ABSENT = new Mode(Kind.ABSENT, Duration.ZERO);
    public static final Mode REFUSE = new Mode(Kind.REFUSE, Duration.ZERO);
    public static final Mode BLACK_HOLE = new Mode(Kind.BLACK_HOLE, Duration.ZERO);

    public Mode {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(delay, "delay");
      if (delay.isNegative() || (kind == Kind.SLOW) != delay.isPositive()) {
        throw new IllegalArgumentException("only SLOW has a delay, and it must be positive: " + kind + " " + delay);
      }
    }

    public static Mode slow(Duration delay) {
      return new Mode(Kind.SLOW, delay);
    }

    @Override
    public String toString() {
      return kind == Kind.SLOW ? "SLOW(" + delay.toMillis() + " ms)" : kind.name();
    }
  }

  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  private static final Duration UPSTREAM_CONNECT_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(5);

  private final String upstreamHost;
  private final int upstreamPort;
  private final int port;
  private final Object lock = new Object();
  private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
  private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
  // guarded by lock
  private ServerSocket listener;
  private Thread acceptor;
  private volatile Mode mode;
  private volatile boolean closed;
  /** Guards {@link #stalled}; pipes wait on it while open connections are black-holed. */
  private final Object flow = new Object();
  private boolean stalled; // guarded by flow
  private final Object failures = new Object();
  private UpstreamFailures upstreamFailures; // guarded by failures; null until a connect to the upstream fails

  /** A proxy to {@code upstreamHost:upstreamPort}, forwarding. */
  public FaultProxy(String upstreamHost, int upstreamPort) {
    this(upstreamHost, upstreamPort, Mode.FORWARD);
  }

  /** A proxy to {@code upstreamHost:upstreamPort} that starts in {@code initial}. */
  public FaultProxy(String upstreamHost, int upstreamPort, Mode initial) {
    this.upstreamHost = upstreamHost;
    this.upstreamPort = upstreamPort;
    this.mode = Objects.requireNonNull(initial, "initial");
    try {
      ServerSocket first = bind(0);
      this.port = first.getLocalPort();
      synchronized (lock) {
        if (initial.kind() == Kind.ABSENT) {
          first.close();
        } else {
          listen(first);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot bind the fault proxy on " + LOOPBACK.getHostAddress(), e);
    }
  }

  /** The proxy's port on 127.0.0.1 (the same in every mode). */
  public int port() {
    return port;
  }

  public String host() {
    return LOOPBACK.getHostAddress();
  }

  public Mode mode() {
    return mode;
  }

  /**
   * How often forwarding a connection failed because the upstream could not be reached, and the last
   * reason. The client of such a connection only sees it closed, so this is the one place that knows why.
   */
  public record UpstreamFailures(int count, String lastReason) { }

  /** The upstream connects that failed so far; empty when none did. */
  public Optional<UpstreamFailures> upstreamFailures() {
    synchronized (failures) {
      return Optional.ofNullable(upstreamFailures);
    }
  }

  /**
   * Why the upstream refuses a connection now (nothing listens there, no route to it), or empty when
   * it accepts one, does not answer within {@code timeout}, or fails otherwise (a name that does not
   * resolve is not a refusal). The probe connection is closed at once, without a byte.
   */
  public Optional<String> upstreamRefusal(Duration timeout) {
    try (Socket probe = new Socket()) {
      probe.connect(new InetSocketAddress(upstreamHost, upstreamPort), (int) timeout.toMillis());
      return Optional.empty();
    } catch (ConnectException | NoRouteToHostException e) {
      return Optional.of(reason(e));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Switches the behaviour for connections accepted from now on; open connections are left alone. */
  public FaultProxy mode(Mode next) {
    Objects.requireNonNull(next, "mode");
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("the fault proxy is closed");
      }
      Mode previous = mode;
      mode = next;
      if (next.kind() == Kind.ABSENT && listener != null) {
        stopListening();
      } else if (next.kind() != Kind.ABSENT && previous.kind() == Kind.ABSENT && listener == null) {
        try {
          listen(bind(port));
        } catch (IOException e) {
          throw new UncheckedIOException("cannot listen again on 127.0.0.1:" + port, e);
        }
      }
    }
    return this;
  }

  /**
   * Open connections stop carrying bytes, both ways, as on a network that drops every packet: what
   * a peer sends is held, and nothing answers. New connections still follow the mode (set
   * {@link Mode#BLACK_HOLE} for those). {@link #resumeOpenConnections()} delivers what was held.
   */
  public void blackHoleOpenConnections() {
    synchronized (flow) {
      stalled = true;
    }
  }

  /** Open connections carry bytes again, the held ones first, as after a network comes back. */
  public void resumeOpenConnections() {
    synchronized (flow) {
      stalled = false;
      flow.notifyAll();
    }
  }

  /** Cuts every open connection at once (both sides, with a reset), keeping the mode. */
  public void dropAll() {
    for (Connection c : List.copyOf(connections)) {
      c.cut();
    }
  }

  /** Connections currently open through the proxy (accepted and not yet ended). */
  public int openConnections() {
    return connections.size();
  }

  /** Threads of this proxy still alive; 0 after {@link #close()}. */
  public int liveThreads() {
    return (int) threads.stream().filter(Thread::isAlive).count();
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (listener != null) {
        stopListening();
      }
    }
    dropAll();
    for (Thread t : List.copyOf(threads)) {
      t.interrupt();
    }
    long deadline = System.nanoTime() + JOIN_TIMEOUT.toNanos();
    for (Thread t : List.copyOf(threads)) {
      try {
        t.join(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
  }

  @Override
  public String toString() {
    return "FaultProxy[127.0.0.1:" + port + " -> " + upstreamHost + ":" + upstreamPort + ", " + mode + "]";
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    try {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress(LOOPBACK, port), 64);
      return s;
    } catch (IOException e) {
      s.close();
      throw e;
    }
  }

  /** Starts accepting on {@code server}; the caller holds the lock. */
  private void listen(ServerSocket server) {
    listener = server;
    acceptor = spawn("accept", () -> acceptLoop(server));
  }

  /**
   * Closes the listener and waits for its accept thread: the socket's file descriptor is released
   * only when the thread blocked in accept lets go of it, and until then the kernel still accepts.
   * The caller holds the lock.
   */
  private void stopListening() {
    closeQuietly(listener);
    listener = null;
    try {
      acceptor.join(JOIN_TIMEOUT);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    acceptor = null;
  }

  private void acceptLoop(ServerSocket server) {
    while (!closed && !server.isClosed()) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return; // closed: ABSENT or close()
      }
      Mode now = mode;
      Connection c = new Connection(client);
      connections.add(c);
      if (closed) {
        c.cut();
        return;
      }
      spawn("conn", () -> {
        try {
          serve(c, now);
        } finally {
          c.close();
          connections.remove(c);
        }
      });
    }
  }

  private void serve(Connection c, Mode m) {
    try {
      switch (m.kind()) {
        case REFUSE, ABSENT -> { } // ABSENT: accepted in the instant before the listener closed
        case BLACK_HOLE -> discard(c.client.getInputStream());
        case SLOW -> {
          if (!c.awaitCut(m.delay())) {
            forward(c);
          }
        }
        case FORWARD -> forward(c);
        default -> throw new IllegalStateException("unknown mode " + m);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      // the connection was cut or ended (or the upstream refused): the client sees it closed, as it would directly
    }
  }

  /** Why a connect to the upstream failed, in the JDK's words ("Connection refused"). */
  private static String reason(IOException e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static void discard(InputStream in) throws IOException {
    byte[] buffer = new byte[8192];
    while (in.read(buffer) >= 0) {
      // swallowed
    }
  }

  private void forward(Connection c) throws IOException, InterruptedException {
    if (c.isCut()) {
      return;
    }
    Socket upstream = new Socket();
    if (!c.attach(upstream)) {
      return;
    }
    try {
      upstream.connect(new InetSocketAddress(upstreamHost, upstreamPort), (int) UPSTREAM_CONNECT_TIMEOUT.toMillis());
    } catch (IOException e) {
      if (!c.isCut() && !closed) {
        synchronized (failures) {
          upstreamFailures = new UpstreamFailures(upstreamFailures == null ? 1 : upstreamFailures.count() + 1, reason(e));
        }
      }
      throw e;
    }
    upstream.setTcpNoDelay(true);
    c.client.setTcpNoDelay(true);
    Thread back = spawn("pipe", () -> pipe(upstream, c.client, c));
    pipe(c.client, upstream, c);
    back.join();
  }

  /** Copies {@code from} to {@code to} until end of stream, then half-closes {@code to}; holds bytes while stalled. */
  private void pipe(Socket from, Socket to, Connection c) {
    byte[] buffer = new byte[16 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      for (int n; (n = in.read(buffer)) >= 0; ) {
        awaitFlowing(c);
        out.write(buffer, 0, n);
        out.flush();
      }
      to.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** Returns once open connections carry bytes again, or at once when {@code c} was cut. */
  private void awaitFlowing(Connection c) throws IOException {
    synchronized (flow) {
      while (stalled && !c.isCut() && !closed) {
        try {
          flow.wait(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("the fault proxy is closing");
        }
      }
    }
  }

  private Thread spawn(String what, Runnable task) {
    Thread t = Thread.ofVirtual().name("fault-proxy-" + port + "-" + what).unstarted(() -> {
      try {
        task.run();
      } finally {
        threads.remove(Thread.currentThread());
      }
    });
    threads.add(t);
    t.start();
    return t;
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing
    }
  }

  /** One accepted connection and, once forwarding, its upstream socket. */
  private static final class Connection {
    private final Socket client;
    private final CountDownLatch cutSignal = new CountDownLatch(1);
    private Socket upstream; // guarded by this
    private boolean cut; // guarded by this

    Connection(Socket client) {
      this.client = client;
    }

    synchronized boolean attach(Socket s) {
      if (cut) {
        closeQuietly(s);
        return false;
      }
      upstream = s;
      return true;
    }

    synchronized boolean isCut() {
      return cut;
    }

    /** Waits up to {@code delay}; true when the connection was cut meanwhile. */
    boolean awaitCut(Duration delay) throws InterruptedException {
      return cutSignal.await(delay.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Resets both sides: the peers see the connection cut, not a polite end. */
    void cut() {
      Socket up;
      synchronized (this) {
        cut = true;
        up = upstream;
      }
      cutSignal.countDown();
      reset(client);
      if (up != null) {
        reset(up);
      }
    }

    void close() {
      Socket up;
      synchronized (this) {
        up = upstream;
      }
      closeQuietly(client);
      if (up != null) {
        closeQuietly(up);
      }
    }

    private static void reset(Socket s) {
      try {
        if (!s.isClosed()) {
          s.setSoLinger(true, 0);
        }
      } catch (SocketException e) {
        // already gone
      }
      closeQuietly(s);
    }
  }
}
