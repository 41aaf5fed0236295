package ai.netra.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import ai.netra.testing.ServiceProcess;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 16's defaults where the service really runs: no silent development mode on a platform, the development
 * service reachable from this machine only, and a development key that nobody else can read.
 */
class SafeDefaultsIT {

  private static final Duration START = Duration.ofSeconds(60);

  /** On Cloud Run without NETRA_ENV the service generated a key, printed a token and started an embedded database. */
  @Test
  void onCloudRunWithoutNetraEnvTheStartFailsWith2NamingNetraEnv() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of("K_SERVICE", "netra", "K_REVISION", "netra-00001-abc"))) {
      assertThat(service.awaitExit(START)).as("exit code without NETRA_ENV on Cloud Run").isEqualTo(2);
      List<JsonNode> records = new ArrayList<>();
      for (String line : service.output()) {
        if (line.startsWith("{")) {
          JsonNode node = ServiceProcess.parse(line);
          if ("startup_failed".equals(node.path("event").asText())) {
            records.add(node);
          }
        }
      }
      assertThat(records).as("startup_failed records in:%n%s", service.outputText()).hasSize(1);
      JsonNode record = records.getFirst();
      assertThat(record.path("exit_code").asInt()).isEqualTo(2);
      assertThat(record.path("step").asText()).isEqualTo("settings");
      assertThat(record.path("env").toString()).as("settings involved").contains("NETRA_ENV");
      assertThat(record.path("cause").toString()).contains("NETRA_ENV is required on Cloud Run");
      assertThat(record.path("hint").asText()).as("hint").contains("NETRA_ENV");
      assertThat(service.outputText()).as("no development token printed").doesNotContain("#token=");
      assertThat(service.dataDir().resolve("dev-jwt-secret")).as("no development key generated").doesNotExist();
    }
  }

  @Test
  void inDevelopmentTheServiceAnswersOnLoopbackOnlyUnlessHostIsSet() throws Exception {
    Optional<InetAddress> outside = nonLoopbackAddress();
    assumeThat(outside).as("an address of this machine other than loopback").isPresent();
    try (ServiceProcess service = ServiceProcess.start(Map.of())) {
      service.awaitStatus("/health/ready", 200, START);
      assertThat(service.outputText()).contains("listening on port " + service.port()).contains("(address 127.0.0.1)");
      assertThat(service.get("/health/live").statusCode()).as("over loopback").isEqualTo(200);
      assertThat(connects(outside.get(), service.port())).as("connects over %s", outside.get()).isFalse();
    }
    try (ServiceProcess service = ServiceProcess.start(Map.of("HOST", "0.0.0.0"))) {
      service.awaitListening(START);
      assertThat(connects(outside.get(), service.port())).as("connects over %s with HOST=0.0.0.0", outside.get()).isTrue();
    }
  }

  /** A key file others can read lets them sign in as anyone. */
  @Test
  void aDevelopmentKeyOthersCanReadIsRefusedWithExit2NamingTheFileAndTheChmod() throws Exception {
    Path data = Files.createTempDirectory("netra-key-it");
    Path key = data.resolve("dev-jwt-secret");
    Files.writeString(key, "a-development-key-0123456789abcdefghijklmnop");
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_DATA_DIR", data.toString()))) {
      assertThat(service.awaitExit(START)).as("exit code with a readable key").isEqualTo(2);
      assertThat(service.outputText()).contains("STARTUP FAILED", "exit_code: 2", "step: signing-key",
          key + " can be read or written by others (mode rw-r--r--)", "chmod 600 " + key);
    }
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    try (ServiceProcess service = ServiceProcess.start(Map.of("NETRA_DATA_DIR", data.toString()))) {
      service.awaitStatus("/health/ready", 200, START);
    }
  }

  @Test
  void aNewDevelopmentKeyIsReadableByItsOwnerOnly() throws Exception {
    try (ServiceProcess service = ServiceProcess.start(Map.of())) {
      service.awaitStatus("/health/ready", 200, START);
      Path key = service.dataDir().resolve("dev-jwt-secret");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
      try (var files = Files.list(service.dataDir())) {
        assertThat(files.map(p -> p.getFileName().toString())).as("no temporary key left").noneMatch(n -> n.endsWith(".tmp"));
      }
    }
  }

  private static Optional<InetAddress> nonLoopbackAddress() throws IOException {
    for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (nic.isUp() && !nic.isLoopback()) {
        for (InetAddress address : Collections.list(nic.getInetAddresses())) {
          if (address instanceof Inet4Address) {
            return Optional.of(address);
          }
        }
      }
    }
    return Optional.empty();
  }

  private static boolean connects(InetAddress address, int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(address, port), 2_000);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
