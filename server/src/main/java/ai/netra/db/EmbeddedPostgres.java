package ai.netra.db;

import static ai.netra.config.SettingNames.DATABASE_URL;
import static ai.netra.config.SettingNames.NETRA_DATA_DIR;
import static ai.netra.config.SettingNames.POSTGRES_HOST;

import ai.netra.config.DatabaseSettings;
import ai.netra.startup.ConfigurationException;
import ai.netra.startup.DependencyException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A PostgreSQL server run from the binaries shipped in the jar, its data kept under a folder so a
 * restart keeps the chats. For development and tests only. When the process runs as root it runs
 * PostgreSQL as user {@code nobody}, since PostgreSQL refuses to run as root.
 *
 * <p>It listens on a unix socket in its data folder only, never on TCP (so there is no port to
 * choose, and none another process could take first), and asks for a password (scram-sha-256): a
 * random one, kept in {@code postgres.password} (mode 0600) beside the data. One process at a time
 * owns the folder: {@link DataDirLock} refuses a second one, naming the first.
 */
public final class EmbeddedPostgres implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
  static final String DATABASE = "netra";
  private static final String NOBODY = "65534";
  /** Only names the socket file ({@code .s.PGSQL.5432}); nothing listens on a TCP port. */
  static final int SOCKET_PORT = 5432;
  static final String PASSWORD_FILE = "postgres.password";
  /** The kernel's limit for a unix socket's path (sun_path) is 108 bytes, its final NUL included. */
  private static final int MAX_SOCKET_PATH = 107;

  private final Process server;
  private final DatabaseSettings settings;
  private final Path logFile;
  private final DataDirLock lock;

  private EmbeddedPostgres(Process server, DatabaseSettings settings, Path logFile, DataDirLock lock) {
    this.server = server;
    this.settings = settings;
    this.logFile = logFile;
    this.lock = lock;
  }

  /**
   * Unpacks the binaries (once), creates the cluster (once), starts the server and waits until it
   * accepts connections, all within {@code within}.
   *
   * @throws DependencyException when the server does not come up in time, naming its log
   * @throws ConfigurationException when this machine has no embedded binaries or the folder is unusable
   */
  public static EmbeddedPostgres start(Path folder, Duration within) throws IOException, InterruptedException {
    return start(folder, within, 0);
  }

  /**
   * As {@link #start(Path, Duration)}, and also listening on {@code 127.0.0.1:port}, where it trusts every
   * connection: for the tests of a machine that has no PostgreSQL of its own, never for the service.
   */
  public static EmbeddedPostgres startTrustingLoopback(Path folder, Duration within, int port)
      throws IOException, InterruptedException {
    if (port <= 0 || port > 65_535) {
      throw new IllegalArgumentException("a TCP port is 1 to 65535, was " + port);
    }
    return start(folder, within, port);
  }

  /** {@code loopbackPort} 0: the unix socket only. */
  private static EmbeddedPostgres start(Path folder, Duration within, int loopbackPort)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    Path base = folder.toAbsolutePath();
    boolean root = isRoot();
    Files.createDirectories(base);
    if (root) {
      requireReachableByNobody(base);
    }
    DataDirLock lock = DataDirLock.acquire(base);
    try {
      return start(base, root, deadline, lock, loopbackPort);
    } catch (IOException | InterruptedException | RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  private static EmbeddedPostgres start(Path base, boolean root, long deadline, DataDirLock lock, int loopbackPort)
      throws IOException, InterruptedException {
    int port = loopbackPort > 0 ? loopbackPort : SOCKET_PORT;
    Path bin = unpack(base.resolve("postgres-bin"));
    Path data = base.resolve("postgres");
    Path logFile = base.resolve("postgres.log");
    Path socket = data.resolve(".s.PGSQL." + port);
    if (socket.toString().length() > MAX_SOCKET_PATH) {
      throw new ConfigurationException("the embedded PostgreSQL listens on a unix socket in its data folder, and "
          + socket + " is longer than the " + MAX_SOCKET_PATH + " characters a socket path may have",
          "set NETRA_DATA_DIR to a shorter path (for example /var/tmp/netra), or set DATABASE_URL",
          List.of(NETRA_DATA_DIR));
    }
    // We hold the folder's lock, so a server still running on it was left by a process that died.
    stopLeftover(data);
    Path passwordFile = base.resolve(PASSWORD_FILE);
    boolean newPassword = !Files.exists(passwordFile);
    String password = DatabasePassword.readOrCreate(passwordFile, root ? NOBODY : null);
    if (!Files.exists(data.resolve("PG_VERSION"))) {
      // Into a folder of its own, moved into place when complete: a first start cut short leaves no half cluster.
      Path fresh = base.resolve("postgres.init");
      deleteTree(fresh);
      deleteTree(data);
      Files.createDirectories(fresh);
      Files.setPosixFilePermissions(fresh, PosixFilePermissions.fromString("rwx------"));
      if (root) {
        chownTree(fresh);
      }
      log.info("creating the embedded PostgreSQL cluster in {} (first start only)", data);
      run(root, deadline, logFile, bin.resolve("bin/initdb").toString(), "-A", "scram-sha-256",
          "--pwfile=" + passwordFile, "-U", "postgres", "-D", fresh.toString(), "-E", "UTF-8", "--no-locale");
      Files.move(fresh, data, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } else if (newPassword) {
      // A cluster from a version that trusted every local connection: give its user the new password.
      log.info("setting a password on the embedded PostgreSQL cluster in {} (kept in {})", data, passwordFile);
      runSingleUser(root, deadline, logFile, bin, data, "ALTER ROLE postgres PASSWORD '" + password + "';");
    }
    // Every connection, whoever makes it, needs the password; TCP is not listened on at all.
    Path hba = data.resolve("pg_hba.conf");
    Files.writeString(hba, "# written by netra at each start: the unix socket only, with the password\n"
        + "local all all scram-sha-256\n" + (loopbackPort > 0 ? "host all all 127.0.0.1/32 trust\n" : ""));
    if (root) {
      chownTree(hba);
      Files.deleteIfExists(logFile);
      Files.createFile(logFile);
      chownTree(logFile);
    }
    List<String> command = new ArrayList<>(ownSession());
    command.addAll(command(root, bin.resolve("bin/postgres").toString(), "-D", data.toString(), "-p",
        String.valueOf(port), "-c", "listen_addresses=" + (loopbackPort > 0 ? "127.0.0.1" : ""), "-c", "unix_socket_directories=" + data, "-c",
        "unix_socket_permissions=0700", "-c", "max_connections=100", "-c", "synchronous_commit=off"));
    Process server = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    EmbeddedPostgres pg = new EmbeddedPostgres(server, settingsFor(data, password, port), logFile, lock);
    try {
      pg.awaitAccepting(deadline);
      pg.createDatabase();
    } catch (IOException | InterruptedException | RuntimeException e) {
      pg.stopServer();
      throw e;
    }
    log.info("embedded PostgreSQL {} listening on the unix socket {}, data in {}",
        Files.readString(data.resolve("PG_VERSION")).trim(), socket, data);
    return pg;
  }

  /**
   * The embedded server already running on {@code folder} (started by a {@code netra serve}, or left
   * behind by one), found through its {@code postmaster.pid}; empty when none runs. Lets a command
   * share the server's database instead of starting a second server, which would stop the first.
   */
  public static Optional<DatabaseSettings> running(Path folder) {
    Path base = folder.toAbsolutePath();
    Path data = base.resolve("postgres");
    List<String> pidFile;
    try {
      pidFile = Files.readAllLines(data.resolve("postmaster.pid"));
    } catch (IOException e) {
      return Optional.empty(); // no file: no server
    }
    // Lines: pid, data folder, start time, port, socket folder, listen address, ...
    if (pidFile.size() < 5) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(pidFile.get(0).trim());
      var handle = ProcessHandle.of(pid);
      if (handle.isEmpty() || !handle.get().isAlive()
          || !handle.get().info().commandLine().orElse("").contains(data.toString())
          || !pidFile.get(4).trim().equals(data.toString())) {
        return Optional.empty();
      }
      return Optional.of(settingsFor(data, Files.readString(base.resolve(PASSWORD_FILE)).strip(), SOCKET_PORT));
    } catch (NumberFormatException | IOException e) {
      return Optional.empty(); // a file being written, or a server of an older version: treat as no server
    }
  }

  /** How to reach it: its unix socket, database {@code netra}, user postgres and the password of its folder. */
  public DatabaseSettings settings() {
    return settings;
  }

  private static DatabaseSettings settingsFor(Path data, String password, int port) {
    return new DatabaseSettings(data.toString(), port, DATABASE, "postgres", password, true, "disable", "embedded");
  }

  /** Where it listens, for messages: the path of its unix socket. */
  public Path socket() {
    return Path.of(settings.host(), ".s.PGSQL." + settings.port());
  }

  /** Stops the server (fast shutdown), waiting up to five seconds before killing it, then gives up the folder. */
  @Override
  public void close() {
    try {
      stopServer();
    } finally {
      lock.close();
    }
  }

  private void stopServer() {
    ProcessHandle handle = server.toHandle();
    try {
      new ProcessBuilder("kill", "-INT", String.valueOf(handle.pid())).start().waitFor();
      if (!server.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    } catch (IOException e) {
      server.destroyForcibly();
    } catch (InterruptedException e) {
      server.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  private void awaitAccepting(long deadline) throws InterruptedException, IOException {
    SQLException last = null;
    while (System.nanoTime() < deadline) {
      if (!server.isAlive()) {
        throw new DependencyException("embedded PostgreSQL exited with " + server.exitValue() + ": " + tail(logFile),
            "read " + logFile + "; delete the folder " + logFile.getParent().resolve("postgres")
                + " to start from an empty database", List.of(NETRA_DATA_DIR), null);
      }
      try (Connection c = connect("postgres", Duration.ofSeconds(1))) {
        log.debug("embedded PostgreSQL accepts connections ({})", c.getMetaData().getDatabaseProductVersion());
        return;
      } catch (SQLException e) {
        last = e;
        Thread.sleep(50);
      }
    }
    throw new DependencyException("embedded PostgreSQL did not accept connections in time; last error: "
        + (last == null ? "none" : last.getMessage()) + "; log: " + tail(logFile), "", List.of(NETRA_DATA_DIR), last);
  }

  private void createDatabase() {
    try (Connection c = connect("postgres", Duration.ofSeconds(5)); Statement s = c.createStatement()) {
      try (ResultSet rs = s.executeQuery("select 1 from pg_database where datname = '" + DATABASE + "'")) {
        if (!rs.next()) {
          s.execute("create database " + DATABASE);
        }
      }
    } catch (SQLException e) {
      throw new DependencyException("embedded PostgreSQL: cannot create database " + DATABASE + ": " + e.getMessage(), "",
          List.of(), e);
    }
  }

  private Connection connect(String database, Duration timeout) throws SQLException {
    DatabaseSettings target = new DatabaseSettings(settings.host(), settings.port(), database, settings.user(),
        settings.password(), true, "disable", "embedded");
    JdbcTarget jdbc = JdbcTarget.of(target, timeout);
    return DriverManager.getConnection(jdbc.url(), jdbc.properties());
  }

  /** The archive for this machine, unpacked once into {@code target}; returns the folder holding bin/. */
  private static Path unpack(Path target) throws IOException {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    String name = "postgres-" + (os.contains("mac") ? "darwin" : os.contains("linux") ? "linux" : os) + "-"
        + (arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("aarch64") ? "arm_64" : arch) + ".txz";
    Path done = target.resolve(".unpacked-" + name);
    if (Files.exists(done)) {
      return target;
    }
    try (InputStream archive = EmbeddedPostgres.class.getResourceAsStream("/" + name)) {
      if (archive == null) {
        throw new ConfigurationException("no embedded PostgreSQL for " + os + "/" + arch + " in this build (" + name + ")",
            "set DATABASE_URL (or POSTGRES_HOST, POSTGRES_DB, POSTGRES_USER) to a PostgreSQL server",
            List.of(DATABASE_URL, POSTGRES_HOST));
      }
      Files.createDirectories(target);
      try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(archive))) {
        for (TarArchiveEntry entry; (entry = tar.getNextEntry()) != null; ) {
          Path out = target.resolve(entry.getName()).normalize();
          if (!out.startsWith(target)) {
            throw new IOException("archive entry outside its folder: " + entry.getName());
          }
          if (entry.isDirectory()) {
            Files.createDirectories(out);
          } else if (entry.isSymbolicLink()) {
            Files.createDirectories(out.getParent());
            Files.deleteIfExists(out);
            Files.createSymbolicLink(out, Path.of(entry.getLinkName()));
          } else {
            Files.createDirectories(out.getParent());
            Files.copy(tar, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(out, permissions(entry.getMode()));
          }
        }
      }
    }
    Files.createFile(done);
    return target;
  }

  private static Set<PosixFilePermission> permissions(int mode) {
    Set<PosixFilePermission> set = java.util.EnumSet.noneOf(PosixFilePermission.class);
    PosixFilePermission[] order = {
        PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
        PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ};
    for (int bit = 0; bit < order.length; bit++) {
      if ((mode & (1 << bit)) != 0) {
        set.add(order[bit]);
      }
    }
    return set;
  }

  /** A server left running by a process that died without stopping it still holds the data folder. */
  private static void stopLeftover(Path data) throws IOException, InterruptedException {
    Path pidFile = data.resolve("postmaster.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    long pid = Long.parseLong(Files.readAllLines(pidFile).getFirst().trim());
    var handle = ProcessHandle.of(pid);
    if (handle.isPresent() && handle.get().info().commandLine().orElse("").contains(data.toString())) {
      log.warn("stopping an embedded PostgreSQL (pid {}) left running by an earlier start", pid);
      new ProcessBuilder("kill", "-INT", String.valueOf(pid)).start().waitFor();
      handle.get().onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(t -> null).join();
    }
  }

  private static void run(boolean root, long deadline, Path logFile, String... args) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command(root, args)).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    long left = Math.max(1, deadline - System.nanoTime());
    if (!p.waitFor(left, java.util.concurrent.TimeUnit.NANOSECONDS)) {
      p.destroyForcibly();
      throw new DependencyException(args[0] + " did not finish in time", "", List.of(), null);
    }
    if (p.exitValue() != 0) {
      String text = new String(output).trim();
      throw new DependencyException(Path.of(args[0]).getFileName() + " failed (exit " + p.exitValue() + "): "
          + text.lines().reduce((a, b) -> b).orElse(""),
          root ? "running as root, the embedded database runs as user nobody, which must be able to reach "
              + logFile.getParent() + ": set NETRA_DATA_DIR to a folder every user can enter, or use DATABASE_URL"
              : "read the message above; delete " + logFile.getParent().resolve("postgres") + " to start over",
          List.of(NETRA_DATA_DIR), null);
    }
  }

  /** Runs one statement in PostgreSQL's single-user mode, on a cluster no server runs on. */
  private static void runSingleUser(boolean root, long deadline, Path logFile, Path bin, Path data, String statement)
      throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command(root, bin.resolve("bin/postgres").toString(), "--single", "-D", data.toString(),
        "postgres")).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile())).start();
    try (var in = p.getOutputStream()) {
      in.write((statement + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    if (!p.waitFor(Math.max(1, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS)) {
      p.destroyForcibly();
      throw new DependencyException("postgres --single did not finish in time", "", List.of(), null);
    }
    if (p.exitValue() != 0) {
      throw new DependencyException("cannot set the embedded PostgreSQL's password (postgres --single exit "
          + p.exitValue() + "): " + tail(logFile), "read " + logFile, List.of(NETRA_DATA_DIR), null);
    }
  }

  /**
   * {@code setsid}, where there is one: the server then runs in a session of its own, out of the terminal's
   * process group. Ctrl-C in a terminal signals that whole group; PostgreSQL, on SIGINT, disconnects everyone at
   * once, so the service's orderly stop met a dead database (a stack trace on every Ctrl-C, and the runs in
   * flight could not store their end). Out of the group, the service stops first and stops the server last.
   * The server keeps its process id ({@code setsid} only forks for a process group leader, which a child of the
   * JVM is not), so stopping it by that id still works.
   */
  private static List<String> ownSession() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, "setsid"))) {
        return List.of(dir + "/setsid");
      }
    }
    return List.of();
  }

  private static List<String> command(boolean root, String... args) {
    List<String> command = new ArrayList<>();
    if (root) {
      command.addAll(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "--"));
    }
    command.addAll(List.of(args));
    return command;
  }

  /** As root PostgreSQL runs as nobody, which must be able to enter every folder above its files. */
  private static void requireReachableByNobody(Path base) throws IOException {
    for (Path dir = base; dir != null; dir = dir.getParent()) {
      Set<PosixFilePermission> mode = Files.getPosixFilePermissions(dir);
      if (!mode.contains(PosixFilePermission.OTHERS_EXECUTE)) {
        throw new ConfigurationException("the embedded PostgreSQL runs as user nobody (PostgreSQL refuses root), and nobody"
            + " cannot enter " + dir + " (mode " + PosixFilePermissions.toString(mode) + ")",
            "set NETRA_DATA_DIR to a folder every user can enter (for example /var/tmp/netra), run as a normal user,"
                + " or set DATABASE_URL to a PostgreSQL server", List.of(NETRA_DATA_DIR));
      }
    }
  }

  private static void deleteTree(Path path) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : all.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  private static void chownTree(Path path) throws IOException {
    try (Stream<Path> all = Files.walk(path)) {
      for (Path p : (Iterable<Path>) all::iterator) {
        Files.setAttribute(p, "unix:uid", Integer.valueOf(NOBODY), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", Integer.valueOf(NOBODY), LinkOption.NOFOLLOW_LINKS);
      }
    }
  }

  private static boolean isRoot() {
    try {
      Object uid = Files.getAttribute(Path.of("/proc/self"), "unix:uid");
      return Integer.valueOf(0).equals(uid);
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return false;
    }
  }

  private static String tail(Path file) {
    try {
      List<String> lines = Files.readAllLines(file);
      return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
    } catch (IOException e) {
      return "(no log at " + file + ")";
    }
  }
}
