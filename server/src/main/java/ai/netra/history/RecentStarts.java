package ai.netra.history;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The last starts of the service, held in memory for the startup page: loaded once from the history
 * table after a start, with this process's own start added. Reading never blocks and never touches
 * the database.
 */
public final class RecentStarts {

  /** How many starts the page shows. */
  public static final int LIMIT = 20;

  private volatile List<StartRecord> starts = List.of();
  private volatile boolean loaded;

  /** The last starts, oldest first. */
  public List<StartRecord> starts() {
    return starts;
  }

  /** True once the history table was read (false: none yet, or it could not be read). */
  public boolean loaded() {
    return loaded;
  }

  /** Adds {@code start} (this process's own, before the table is read). */
  public synchronized void add(StartRecord start) {
    List<StartRecord> all = new ArrayList<>(starts);
    all.add(start);
    starts = last(all);
  }

  /** Replaces the list with {@code kept}, read from the table, keeping any start added that it lacks. */
  public synchronized void load(List<StartRecord> kept) {
    List<StartRecord> all = new ArrayList<>(kept);
    for (StartRecord own : starts) {
      if (all.stream().noneMatch(k -> k.startedAt().equals(own.startedAt()) && k.instance().equals(own.instance()))) {
        all.add(own);
      }
    }
    starts = last(all);
    loaded = true;
  }

  private static List<StartRecord> last(List<StartRecord> all) {
    List<StartRecord> sorted = all.stream().sorted(Comparator.comparing(StartRecord::startedAt)).toList();
    return List.copyOf(sorted.subList(Math.max(0, sorted.size() - LIMIT), sorted.size()));
  }
}
