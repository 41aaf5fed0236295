package ai.netra.usage;

import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads text one record at a time: CSV records (RFC 4180: commas, double quotes, quoted line breaks)
 * or plain lines, each with the number of the line it starts on, never holding more than one record.
 *
 * <p>A record longer than {@code maxChars} is not kept: it is read to its end and returned with a
 * problem instead of its fields, so one huge line costs no memory and the next record still gets
 * its right line number. A malformed record (text after a closing quote, a quote never closed)
 * likewise comes back with a problem. Line breaks are LF, CRLF or CR; a byte order mark at the start
 * is skipped.
 */
final class RecordReader implements AutoCloseable {

  /** One record: its fields, or why it has none. */
  record Record(long line, List<String> fields, String problem) {

    /** An empty line (or one holding only spaces): files often end with one. */
    boolean blank() {
      return problem == null && fields.size() == 1 && fields.get(0).isBlank();
    }
  }

  private static final int EOF = -1;

  private final Reader in;
  private final int maxChars;
  private final char[] buffer = new char[16 * 1024];
  private int position;
  private int limit;
  private long line = 1;
  private boolean started;

  RecordReader(Reader in, int maxChars) {
    this.in = in;
    this.maxChars = maxChars;
  }

  /** The line the reader is on: where the next record starts, or where reading stopped. */
  long line() {
    return line;
  }

  /** The next CSV record, or null at the end of the text. */
  Record nextCsv() throws IOException {
    int c = read();
    if (c == EOF) {
      return null;
    }
    long start = line;
    List<String> fields = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    int chars = 0;
    String problem = null;
    boolean quoted = false;
    boolean afterQuote = false; // a quoted field ended: only a comma or the end of the record may follow
    while (true) {
      if (c == EOF) {
        if (quoted) {
          problem = "a quoted field opened on line " + start + " is never closed";
        }
        break;
      }
      if (!quoted && (c == '\n' || c == '\r')) {
        endOfLine(c);
        break;
      }
      if (++chars > maxChars && problem == null) {
        problem = "the record is longer than " + maxChars + " characters";
      }
      if (quoted) {
        if (c == '"') {
          int next = peek();
          if (next == '"') {
            read();
            append(field, '"', problem);
          } else {
            quoted = false;
            afterQuote = true;
          }
        } else {
          if (c == '\n' || c == '\r') {
            endOfLine(c);
            c = '\n';
          }
          append(field, (char) c, problem);
        }
      } else if (c == ',') {
        fields.add(field.toString());
        field.setLength(0);
        afterQuote = false;
      } else if (afterQuote) {
        if (problem == null) {
          problem = "text after the closing quote of field " + (fields.size() + 1) + "; put the whole field in quotes"
              + " and double the quotes inside it";
        }
      } else if (c == '"' && field.isEmpty()) {
        quoted = true;
      } else {
        append(field, (char) c, problem);
      }
      c = read();
    }
    if (problem != null) {
      return new Record(start, List.of(), problem);
    }
    fields.add(field.toString());
    return new Record(start, fields, null);
  }

  /** The next line (without its line break), or null at the end of the text. */
  Record nextLine() throws IOException {
    int c = read();
    if (c == EOF) {
      return null;
    }
    long start = line;
    StringBuilder text = new StringBuilder();
    boolean tooLong = false;
    while (c != EOF && c != '\n' && c != '\r') {
      if (text.length() < maxChars) {
        text.append((char) c);
      } else {
        tooLong = true;
      }
      c = read();
    }
    if (c != EOF) {
      endOfLine(c);
    }
    return tooLong ? new Record(start, List.of(), "the line is longer than " + maxChars + " characters")
        : new Record(start, List.of(text.toString()), null);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }

  /** Once a record has a problem its text is dropped: only its end is still looked for. */
  private static void append(StringBuilder field, char c, String problem) {
    if (problem == null) {
      field.append(c);
    }
  }

  /** Counts one line break; a CR followed by LF is one break. */
  private void endOfLine(int c) throws IOException {
    if (c == '\r' && peek() == '\n') {
      read();
    }
    line++;
  }

  private int read() throws IOException {
    if (position == limit && !fill()) {
      return EOF;
    }
    return buffer[position++];
  }

  private int peek() throws IOException {
    if (position == limit && !fill()) {
      return EOF;
    }
    return buffer[position];
  }

  private boolean fill() throws IOException {
    int n;
    do {
      n = in.read(buffer, 0, buffer.length);
    } while (n == 0);
    if (n < 0) {
      return false;
    }
    position = 0;
    limit = n;
    if (!started) {
      started = true;
      if (buffer[0] == '\uFEFF') {
        position = 1;
        return position < limit || fill();
      }
    }
    return true;
  }
}
