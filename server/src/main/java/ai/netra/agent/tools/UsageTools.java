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
    return new ToolRegistry(List.of(
        new UsageSummaryTool(dataSource, clock),
        new CostBreakdownTool(dataSource, clock),
        new WhatIfSwitchTool(dataSource, clock),
        new CachingOpportunityTool(dataSource, clock),
        new AnomaliesTool(dataSource, clock)));
  }
}
