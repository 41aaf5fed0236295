package ai.netra.deploy.simulate;

import ai.netra.deploy.DurationText;
import ai.netra.startup.Criticality;
import ai.netra.startup.PhaseReport;
import ai.netra.startup.StartupReport;
import ai.netra.startup.StepReport;
import ai.netra.startup.StepStatus;
import java.io.StringWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;

/**
 * A startup report drawn as an SVG timeline: one lane per phase, one bar per step (its start to its
 * end, coloured by status, with its duration and a tooltip), a time axis in seconds since the JVM
 * started, and vertical markers for what happened around it (listening, probe passed, ready,
 * killed). Every step bar is a {@code rect} of class {@code step} carrying {@code data-step},
 * {@code data-phase} and {@code data-status}, so tools can read the picture too.
 */
public final class TimelineSvg {

  /** A vertical line across the lanes at {@code ms}. */
  public record Marker(String label, long ms, String colour) { }

  static final Map<StepStatus, String> COLOURS = Map.of(
      StepStatus.OK, "#2da44e",
      StepStatus.FAILED, "#cf222e",
      StepStatus.DEGRADED, "#d4a72c",
      StepStatus.SKIPPED, "#8c959f",
      StepStatus.PLACEHOLDER, "#d0d7de",
      StepStatus.RUNNING, "#0969da",
      StepStatus.PENDING, "#ffffff");
  private static final String SVG_NS = "http://www.w3.org/2000/svg";
  private static final int WIDTH = 1000;
  private static final int LABELS = 240;
  private static final int RIGHT = 90;
  private static final int HEADER = 84;
  private static final int MARKER_LABEL = 13;
  private static final int PHASE_ROW = 22;
  private static final int STEP_ROW = 18;
  private static final int BAR = 12;

  private TimelineSvg() { }

  /** The SVG document for {@code report}, titled {@code title}. */
  public static String render(StartupReport report, String title, List<Marker> markers) {
    long end = Math.max(1, report.elapsedMs());
    for (StepReport s : report.steps()) {
      end = Math.max(end, s.endMs() != null ? s.endMs() : s.startMs() != null ? s.startMs() : 0);
    }
    for (Marker m : markers) {
      end = Math.max(end, m.ms());
    }
    long tick = tick(end);
    long axisEnd = ((end + tick - 1) / tick) * tick;
    int rows = report.phases().stream().mapToInt(p -> PHASE_ROW + p.steps().size() * STEP_ROW).sum();
    int top = HEADER + markers.size() * MARKER_LABEL + 6; // each marker's label gets a line of its own above the lanes
    int height = top + rows + 60;
    Scale x = new Scale(axisEnd, WIDTH - LABELS - RIGHT);
    StringWriter text = new StringWriter();
    try {
      XMLStreamWriter w = XMLOutputFactory.newFactory().createXMLStreamWriter(text);
      w.writeStartDocument("UTF-8", "1.0");
      w.writeStartElement("svg");
      w.writeDefaultNamespace(SVG_NS);
      attr(w, "width", WIDTH, "height", height, "viewBox", "0 0 " + WIDTH + " " + height, "font-family",
          "system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif", "font-size", 12);
      element(w, "rect", "x", 0, "y", 0, "width", WIDTH, "height", height, "fill", "#ffffff");
      textAt(w, 16, 26, title, "font-size", 16, "font-weight", "bold");
      textAt(w, 16, 46, String.format(Locale.ROOT, "outcome %s, phase %s, %s of %s budget", report.outcome(),
          report.phase(), DurationText.millis(report.elapsedMs()), DurationText.millis(report.budgetMs())),
          "fill", "#57606a");
      legend(w);

      // Lane backgrounds first, then the grid over them, then the bars over the grid.
      int y = top;
      int lane = 0;
      for (PhaseReport phase : report.phases()) {
        int laneHeight = PHASE_ROW + phase.steps().size() * STEP_ROW;
        element(w, "rect", "x", 0, "y", y, "width", WIDTH, "height", laneHeight,
            "fill", lane++ % 2 == 0 ? "#f6f8fa" : "#ffffff");
        element(w, "rect", "x", 0, "y", y, "width", 5, "height", laneHeight, "fill", colour(phase.status()));
        y += laneHeight;
      }
      int axisY = y + 8;
      element(w, "line", "x1", LABELS, "y1", axisY, "x2", LABELS + x.width, "y2", axisY, "stroke", "#57606a");
      for (long t = 0; t <= axisEnd; t += tick) {
        double tx = LABELS + x.of(t);
        element(w, "line", "x1", tx, "y1", top, "x2", tx, "y2", axisY + 4, "stroke", t == 0 ? "#57606a" : "#d8dee4",
            "stroke-width", 0.5);
        textAt(w, tx, axisY + 18, seconds(t), "text-anchor", "middle", "fill", "#57606a");
      }
      textAt(w, LABELS + x.width / 2.0, axisY + 36, "seconds since the JVM started", "text-anchor", "middle",
          "fill", "#57606a");
      y = top;
      for (PhaseReport phase : report.phases()) {
        w.writeStartElement("g");
        attr(w, "class", "phase", "data-phase", phase.name(), "data-status", phase.status());
        textAt(w, 12, y + 15, phase.name() + "  " + phase.status(), "font-weight", "bold");
        int rowY = y + PHASE_ROW;
        for (StepReport s : phase.steps()) {
          step(w, x, phase, s, report.elapsedMs(), rowY);
          rowY += STEP_ROW;
        }
        w.writeEndElement();
        y = rowY;
      }
      int labelY = HEADER + MARKER_LABEL;
      for (Marker m : markers) {
        double mx = LABELS + x.of(m.ms());
        element(w, "line", "class", "marker", "x1", mx, "y1", labelY - 10, "x2", mx, "y2", axisY, "stroke", m.colour(),
            "stroke-width", 1.5, "stroke-dasharray", "4 3");
        String label = m.label() + " " + DurationText.millis(m.ms());
        boolean leftOfLine = mx + 8 + label.length() * 6.5 > WIDTH; // keep the label inside the picture
        textAt(w, leftOfLine ? mx - 4 : mx + 4, labelY, label, "fill", m.colour(), "font-size", 11, "text-anchor",
            leftOfLine ? "end" : "start");
        labelY += MARKER_LABEL;
      }
      w.writeEndElement();
      w.writeEndDocument();
      w.close();
    } catch (XMLStreamException e) {
      throw new IllegalStateException("cannot write the timeline SVG: " + e.getMessage(), e);
    }
    return text.toString();
  }

  private static void step(XMLStreamWriter w, Scale x, PhaseReport phase, StepReport s, long now, int rowY)
      throws XMLStreamException {
    textAt(w, 24, rowY + 13, s.name() + (s.criticality() == Criticality.OPTIONAL ? " (optional)" : ""), "fill",
        "#24292f");
    boolean started = s.startMs() != null;
    long start = started ? s.startMs() : 0;
    long stop = s.endMs() != null ? s.endMs() : started ? Math.max(start, now) : 0;
    double bx = LABELS + x.of(start);
    double bw = started ? Math.max(2, x.of(stop) - x.of(start)) : 6;
    w.writeStartElement("rect");
    attr(w, "class", "step", "data-step", s.name(), "data-phase", phase.name(), "data-status", s.status(),
        "x", bx, "y", rowY + (STEP_ROW - BAR) / 2, "width", bw, "height", BAR, "rx", 2, "fill", colour(s.status()));
    if (!started) {
      attr(w, "stroke", "#8c959f", "stroke-dasharray", "2 2");
    }
    w.writeStartElement("title");
    StringBuilder tip = new StringBuilder(s.name()).append(" (").append(s.component()).append(", ")
        .append(s.criticality().name().toLowerCase(Locale.ROOT)).append("): ").append(s.status());
    if (started) {
      tip.append(", ").append(seconds(start)).append(" to ").append(s.endMs() == null ? "now" : seconds(stop))
          .append(" (").append(DurationText.millis(stop - start)).append(")");
    }
    if (s.attempts() > 1) {
      tip.append(", ").append(s.attempts()).append(" attempts");
    }
    if (s.error() != null) {
      tip.append(": ").append(s.error());
    } else if (s.detail() != null) {
      tip.append(": ").append(s.detail());
    }
    w.writeCharacters(tip.toString());
    w.writeEndElement();
    w.writeEndElement();
    if (started) {
      textAt(w, bx + bw + 4, rowY + 13, DurationText.millis(stop - start), "fill", "#57606a", "font-size", 10);
    }
  }

  private static void legend(XMLStreamWriter w) throws XMLStreamException {
    double lx = 16;
    for (StepStatus status : List.of(StepStatus.OK, StepStatus.RUNNING, StepStatus.DEGRADED, StepStatus.FAILED,
        StepStatus.SKIPPED, StepStatus.PLACEHOLDER)) {
      element(w, "rect", "class", "legend", "x", lx, "y", 58, "width", 12, "height", 12, "rx", 2, "fill", colour(status),
          "stroke", "#8c959f", "stroke-width", 0.5);
      textAt(w, lx + 16, 68, status.name(), "fill", "#57606a", "font-size", 11);
      lx += 28 + status.name().length() * 7.5;
    }
  }

  private static String colour(StepStatus status) {
    return COLOURS.getOrDefault(status, "#8c959f");
  }

  /** 1, 2 or 5 x a power of ten milliseconds, so the axis has at most ten ticks. */
  static long tick(long spanMs) {
    for (long magnitude = 1; ; magnitude *= 10) {
      for (long m : new long[] {1, 2, 5}) {
        if (spanMs / (m * magnitude) <= 10) {
          return m * magnitude;
        }
      }
    }
  }

  /** {@code 0 s}, {@code 0.5 s}, {@code 1.25 s}: an axis label. */
  static String seconds(long ms) {
    return java.math.BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + " s";
  }

  private static void element(XMLStreamWriter w, String name, Object... attributes) throws XMLStreamException {
    w.writeEmptyElement(name);
    attr(w, attributes);
  }

  private static void textAt(XMLStreamWriter w, double x, double y, String content, Object... attributes)
      throws XMLStreamException {
    w.writeStartElement("text");
    attr(w, "x", x, "y", y);
    attr(w, attributes);
    w.writeCharacters(content);
    w.writeEndElement();
  }

  private static void attr(XMLStreamWriter w, Object... pairs) throws XMLStreamException {
    for (int i = 0; i < pairs.length; i += 2) {
      Object v = pairs[i + 1];
      String value = v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : String.valueOf(v);
      w.writeAttribute((String) pairs[i], value);
    }
  }

  /** Milliseconds to pixels. */
  private record Scale(long spanMs, int width) {
    double of(long ms) {
      return ms * (double) width / spanMs;
    }
  }
}
