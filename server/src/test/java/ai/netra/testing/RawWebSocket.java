package ai.netra.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;

/**
 * A WebSocket client on a plain TCP socket that does only what the test tells it to: it never
 * answers a ping and never reads unless asked, so it can play a dead peer or a client that stopped
 * reading, which a real client library cannot.
 */
public final class RawWebSocket implements AutoCloseable {

  /** Opcodes of the frames a server sends. */
  public static final int TEXT = 0x1;
  public static final int CLOSE = 0x8;
  public static final int PING = 0x9;

  private static final String GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /** One frame as the server sent it. */
  public record Frame(int opcode, boolean fin, byte[] payload) {

    public String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    /** The status code of a close frame; 1005 when the frame carries none. */
    public int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }
  }

  private RawWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.in = new BufferedInputStream(socket.getInputStream());
    this.out = socket.getOutputStream();
  }

  /**
   * Connects and upgrades {@code path} with a Bearer token; fails unless the answer is 101 with the
   * right {@code Sec-WebSocket-Accept}.
   *
   * @param receiveBufferBytes the TCP receive buffer to ask for (0 for the system default); a small
   *     one lets a client that stops reading fill up quickly
   */
  public static RawWebSocket connect(int port, String path, String bearer, int receiveBufferBytes) throws IOException {
    Socket socket = new Socket();
    if (receiveBufferBytes > 0) {
      socket.setReceiveBufferSize(receiveBufferBytes); // before connect: it sets the window offered in the handshake
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
    socket.setSoTimeout(10_000);
    RawWebSocket raw = new RawWebSocket(socket);
    byte[] nonce = new byte[16];
    RANDOM.nextBytes(nonce);
    String key = Base64.getEncoder().encodeToString(nonce);
    String request = "GET " + path + " HTTP/1.1\r\n"
        + "Host: 127.0.0.1:" + port + "\r\n"
        + "Upgrade: websocket\r\n"
        + "Connection: Upgrade\r\n"
        + "Sec-WebSocket-Key: " + key + "\r\n"
        + "Sec-WebSocket-Version: 13\r\n"
        + "Authorization: Bearer " + bearer + "\r\n"
        + "\r\n";
    raw.out.write(request.getBytes(StandardCharsets.US_ASCII));
    raw.out.flush();
    String head = raw.readHead();
    if (!head.startsWith("HTTP/1.1 101")) {
      socket.close();
      throw new IOException("the upgrade was not accepted: " + head);
    }
    if (!head.toLowerCase(Locale.ROOT).contains("sec-websocket-accept: " + accept(key).toLowerCase(Locale.ROOT))) {
      socket.close();
      throw new IOException("wrong Sec-WebSocket-Accept in " + head);
    }
    return raw;
  }

  /** The next frame, waiting at most {@code within}. */
  public Frame next(Duration within) throws IOException {
    socket.setSoTimeout((int) Math.max(1, within.toMillis()));
    int b0 = readByte();
    int b1 = readByte();
    long length = b1 & 0x7f;
    if (length == 126) {
      length = ((long) readByte() << 8) | readByte();
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; i++) {
        length = (length << 8) | readByte();
      }
    }
    if ((b1 & 0x80) != 0) {
      throw new IOException("the server masked a frame, which RFC 6455 forbids");
    }
    if (length > Integer.MAX_VALUE - 8) {
      throw new IOException("a frame of " + length + " bytes");
    }
    byte[] payload = in.readNBytes((int) length);
    if (payload.length != length) {
      throw new EOFException("the connection ended inside a frame");
    }
    return new Frame(b0 & 0x0f, (b0 & 0x80) != 0, payload);
  }

  /**
   * Sends one frame exactly as described, right or wrong: {@code firstByte} is FIN, RSV1-3 and the opcode
   * ({@code 0x81} is a whole text frame), {@code masked} false sends it unmasked, which a client must not.
   */
  public void sendFrame(int firstByte, byte[] payload, boolean masked) throws IOException {
    ByteBuffer frame = ByteBuffer.allocate(2 + 8 + 4 + payload.length);
    frame.put((byte) firstByte);
    int maskBit = masked ? 0x80 : 0;
    if (payload.length < 126) {
      frame.put((byte) (maskBit | payload.length));
    } else if (payload.length <= 0xffff) {
      frame.put((byte) (maskBit | 126)).putShort((short) payload.length);
    } else {
      frame.put((byte) (maskBit | 127)).putLong(payload.length);
    }
    byte[] mask = new byte[4];
    if (masked) {
      RANDOM.nextBytes(mask);
      frame.put(mask);
    }
    for (int i = 0; i < payload.length; i++) {
      frame.put((byte) (payload[i] ^ mask[i % 4]));
    }
    out.write(frame.array(), 0, frame.position());
    out.flush();
  }

  /** Sends {@code text} as one whole, masked text frame. */
  public void sendText(String text) throws IOException {
    sendFrame(0x80 | TEXT, text.getBytes(StandardCharsets.UTF_8), true);
  }

  /** Sends a close frame (masked, as a client must) with {@code code}. */
  public void sendClose(int code) throws IOException {
    byte[] payload = {(byte) (code >> 8), (byte) code};
    byte[] mask = new byte[4];
    RANDOM.nextBytes(mask);
    ByteBuffer frame = ByteBuffer.allocate(2 + 4 + payload.length);
    frame.put((byte) (0x80 | CLOSE)).put((byte) (0x80 | payload.length)).put(mask);
    for (int i = 0; i < payload.length; i++) {
      frame.put((byte) (payload[i] ^ mask[i % 4]));
    }
    out.write(frame.array());
    out.flush();
  }

  /** True when the server closed the TCP connection within {@code within}, discarding whatever it still sent. */
  public boolean endsWithin(Duration within) throws IOException {
    long deadline = System.nanoTime() + within.toNanos();
    byte[] sink = new byte[64 * 1024];
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      socket.setSoTimeout((int) left);
      try {
        if (in.read(sink) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        return false;
      } catch (IOException e) {
        return true; // reset by the server: ended as well
      }
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  private int readByte() throws IOException {
    int b = in.read();
    if (b < 0) {
      throw new EOFException("the server closed the connection");
    }
    return b;
  }

  /** The status line and headers, byte by byte so that no frame byte is consumed with them. */
  private String readHead() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    byte[] end = {'\r', '\n', '\r', '\n'};
    while (matched < end.length) {
      int b = readByte();
      head.write(b);
      matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
      if (head.size() > 64 * 1024) {
        throw new IOException("an upgrade answer without an end");
      }
    }
    return head.toString(StandardCharsets.ISO_8859_1);
  }

  private static String accept(String key) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest((key + GUID).getBytes(StandardCharsets.US_ASCII));
      return Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException impossible) {
      throw new IllegalStateException(impossible);
    }
  }
}
