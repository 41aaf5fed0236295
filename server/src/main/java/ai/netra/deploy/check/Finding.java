package ai.netra.deploy.check;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Objects;

/**
 * One judgement of a check: the area, the verdict, what was found (with the numbers), and for
 * anything but a pass, the fix: which setting or deploy option to change, and to what.
 *
 * @param fix null for a pass; always present for a failure
 */
public record Finding(@JsonIgnore Area area, Verdict verdict, String message, String fix) {

  public Finding {
    Objects.requireNonNull(area, "area");
    Objects.requireNonNull(verdict, "verdict");
    Objects.requireNonNull(message, "message");
    if (verdict == Verdict.FAIL && (fix == null || fix.isBlank())) {
      throw new IllegalArgumentException("a failed finding needs a fix: " + message);
    }
  }

  static Finding pass(Area area, String message) {
    return new Finding(area, Verdict.PASS, message, null);
  }

  static Finding warn(Area area, String message, String fix) {
    return new Finding(area, Verdict.WARN, message, fix);
  }

  static Finding fail(Area area, String message, String fix) {
    return new Finding(area, Verdict.FAIL, message, fix);
  }

  /** The area as written in JSON output. */
  @JsonProperty("area")
  public String areaKey() {
    return area.key();
  }
}
