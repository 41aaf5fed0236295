package ai.netra.boot;

import ai.netra.auth.Authenticator;
import ai.netra.cache.Redis;
import ai.netra.chat.ChatService;
import ai.netra.db.Database;
import ai.netra.http.ApiRoutes;
import java.util.Optional;

/**
 * What the service serves with once its start completed, published to the request paths in one
 * step: every component the start built, and an empty one for each that runs degraded (no database:
 * no chat and no API; no Redis: the in-process event bus).
 */
record Application(Authenticator auth, Optional<ChatService> chat, Optional<ApiRoutes> api, Optional<Database> database,
    Optional<Redis> redis) { }
