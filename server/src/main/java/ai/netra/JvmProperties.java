package ai.netra;

/**
 * The system properties the service sets, all here and first thing in {@link Main}, before anything
 * reads them; a property given on the command line ({@code -D}) wins.
 */
final class JvmProperties {

  private JvmProperties() { }

  static void set() {
    // The service formats nothing for a user's locale, but Jetty asks for every available locale as
    // it starts, which with the JDK's CLDR data costs ~120 ms of a one-CPU start. Without CLDR the
    // JDK's built-in data (ROOT and English) is used.
    setIfAbsent("java.locale.providers", "HOST");
    // Jetty asks the JMX platform server for UseCompressedOops to size its padding unless told;
    // starting JMX costs ~250 ms on one CPU before the port binds. References are 4 bytes below a
    // 32 GiB heap (compressed oops), so a 64-byte cache line holds 16 of them.
    boolean compressed = Runtime.getRuntime().maxMemory() < 32L * 1024 * 1024 * 1024;
    setIfAbsent("org.eclipse.jetty.util.referencesPerCacheLine", compressed ? "16" : "8");
    // How Jetty calls a WebSocket's methods. By default it binds its method handles to each new
    // socket, and the JVM then generates and compiles new invocation code for every connection: on
    // one CPU, with connections coming and going, that compiling took a sixth of the server's CPU.
    // Unbound, all sockets share handles that are compiled once.
    setIfAbsent("jetty.websocket.methodholder.binding", "false");
  }

  private static void setIfAbsent(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, value);
    }
  }
}
