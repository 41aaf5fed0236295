package ai.netra.config;

import java.time.Duration;

/**
 * How much work one user may ask of an instance outside the chat socket's own limits.
 *
 * @param toolCallsPerTurn tool calls of one model turn that are run ({@code AGENT_TOOL_CALLS_PER_TURN}); the rest
 *     are answered to the model as refused
 * @param apiBurst REST requests one user may make at once ({@code API_REQUESTS_BURST})
 * @param apiPerSecond REST requests one user may make per second after the burst ({@code API_REQUESTS_PER_S})
 * @param uploadsPerUser usage uploads one user may have running at once on an instance ({@code USAGE_UPLOADS_PER_USER})
 * @param uploadsAtOnce usage uploads an instance runs at once, every user together ({@code USAGE_UPLOADS_AT_ONCE})
 * @param uploadMinBytesPerSecond the slowest an upload may arrive, averaged over {@code uploadRateWindow}
 *     ({@code USAGE_UPLOAD_MIN_BYTES_PER_S})
 * @param uploadRateWindow how long an upload may fall below that rate before it is cut off
 *     ({@code USAGE_UPLOAD_RATE_WINDOW_S})
 */
public record LimitSettings(int toolCallsPerTurn, int apiBurst, int apiPerSecond, int uploadsPerUser, int uploadsAtOnce,
    int uploadMinBytesPerSecond, Duration uploadRateWindow) {

  /** The defaults, as documented in the README's "Security and limits". */
  public static final LimitSettings DEFAULT = new LimitSettings(8, 60, 10, 1, 2, 16 * 1024, Duration.ofSeconds(10));
}
