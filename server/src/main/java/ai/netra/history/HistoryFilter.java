package ai.netra.history;

import java.time.Instant;

/**
 * Which kept starts to read: those since an instant and of one revision, each null for all.
 */
public record HistoryFilter(Instant since, String revision) {

  public static final HistoryFilter ALL = new HistoryFilter(null, null);

  public boolean test(StartRecord start) {
    return (since == null || !start.startedAt().isBefore(since)) && (revision == null || revision.equals(start.revision()));
  }
}
