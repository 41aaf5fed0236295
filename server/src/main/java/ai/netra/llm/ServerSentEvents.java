package ai.netra.llm;

/**
 * Turns the lines of a {@code text/event-stream} body into the data of its events, as the HTML
 * standard defines them: an event is the {@code data:} lines up to a blank line (joined with
 * newlines), a line starting with {@code :} is a comment (servers send them as keep-alives), and
 * other fields ({@code event:}, {@code id:}, {@code retry:}) carry nothing a chat completion needs.
 * Not thread-safe: one instance reads one stream.
 */
final class ServerSentEvents {

  private final StringBuilder data = new StringBuilder();
  private boolean hasData;

  /** Reads one line (without its terminator); returns the data of the event it completes, or null. */
  String line(String line) {
    if (line.isEmpty()) {
      return dispatch();
    }
    if (line.charAt(0) == ':') {
      return null;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    if (!field.equals("data")) {
      return null;
    }
    String value = colon < 0 ? "" : line.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    if (hasData) {
      data.append('\n');
    }
    data.append(value);
    hasData = true;
    return null;
  }

  /** At the end of the body: the data of an event the server did not close with a blank line, or null. */
  String end() {
    return dispatch();
  }

  private String dispatch() {
    if (!hasData) {
      return null;
    }
    String event = data.toString();
    data.setLength(0);
    hasData = false;
    return event;
  }
}
