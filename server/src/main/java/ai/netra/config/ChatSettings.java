package ai.netra.config;

/**
 * How much one user may have going in the chat.
 *
 * @param runsPerUser answers a user may have in progress at once, on every instance together
 *     ({@code CHAT_RUNS_PER_USER}); one more message gets {@code busy}
 * @param socketsPerUser chat sockets a user may hold open on one instance ({@code CHAT_SOCKETS_PER_USER})
 */
public record ChatSettings(int runsPerUser, int socketsPerUser) { }
