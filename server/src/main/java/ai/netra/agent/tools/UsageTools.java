package ai.netra.agent.tools;

import ai.netra.agent.ToolRegistry;
import java.time.Clock;
import java.util.List;
import javax.sql.DataSource;

/** Builds the registry of the usage-optimization tools that answer from {@code llm_usage} and the price catalog. */
public final class UsageTools {

  private UsageTools() { }

  /** The five usage tools over this database, reading "today" from the clock (UTC). */
  public static ToolRegistry create(DataSource dataSource, Clock clock) {
    return create(dataSource, dataSource, clock);
  }

  /**
   * The five usage tools, their statements on {@code dataSource} and the lookups that tell whether a kept result
   * still holds on {@code lookups} (a connection ready as lent, for one short read).
   */
  public static ToolRegistry create(DataSource dataSource, DataSource lookups, Clock clock) {
    return new ToolRegistry(List.of(
        new UsageSummaryTool(dataSource, lookups, clock),
        new CostBreakdownTool(dataSource, lookups, clock),
        new WhatIfSwitchTool(dataSource, lookups, clock),
        new CachingOpportunityTool(dataSource, lookups, clock),
        new AnomaliesTool(dataSource, lookups, clock)));
  }
}
