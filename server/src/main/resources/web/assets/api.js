// The REST API and the health endpoints, as the pages use them. Errors arrive as {"error": {"code", "message"}}.

/** An API error answer: its HTTP status and the error's code and message. */
export class ApiError extends Error {
  constructor(status, body, fallback) {
    super(body?.error?.message ?? fallback);
    this.status = status;
    this.code = body?.error?.code ?? String(status);
  }
}

/** The service answered 503: starting, shutting down, or its storage is unavailable. */
export class ServiceUnavailable extends ApiError {
  constructor(body) {
    super(503, body, 'the service is unavailable');
    this.phase = body?.phase ?? null;
  }
}

/** The token was missing, expired or not signed by this service. */
export class Unauthorized extends ApiError {
  constructor(body) {
    super(401, body, 'the token was refused');
  }
}

async function bodyOf(response) {
  try {
    return await response.json();
  } catch {
    return null;
  }
}

/** GETs an API path with the token; resolves to the JSON body or throws one of the errors above. */
export function apiGet(path, token) {
  return apiSend('GET', path, token);
}

/** Sends `body` (JSON, or nothing) with `method` to an API path; resolves to the JSON body (null for none) or throws one of the errors above. */
export async function apiSend(method, path, token, body) {
  const response = await fetch(path, {
    method,
    headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
    cache: 'no-store',
  });
  const answer = await bodyOf(response);
  if (response.ok) return answer;
  if (response.status === 503) throw new ServiceUnavailable(answer);
  if (response.status === 401) throw new Unauthorized(answer);
  throw new ApiError(response.status, answer, `${method} ${path} answered ${response.status}`);
}

/**
 * The startup report from /health/startup (its body is the report whether it answers 200 or 503). Throws a
 * TypeError when the service cannot be reached at all.
 */
export async function startupReport() {
  const response = await fetch('/health/startup', { cache: 'no-store' });
  const body = await bodyOf(response);
  if (!body || !body.outcome) throw new Error(`/health/startup answered ${response.status} without a report`);
  return body;
}

/** Outcomes after which the report no longer changes. */
export const FINAL_OUTCOMES = new Set(['READY', 'DEGRADED', 'FAILED']);
