package ai.netra.health;

/** The latest result of one health check, as the HTTP layer shows it. */
public record CheckStatus(String name, boolean critical, boolean healthy, String message, long checkedAtMs) { }
