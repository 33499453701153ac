// The Hono app: request ids, security headers, CORS, body limits, one error path, and the route modules.
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ZodError } from 'zod';
import { admin } from './admin.ts';
import { RoomError, type RoomErrorCode } from '../core/errors.ts';
import { createLimiters, createPasswordGuard } from '../core/rate-limiter.ts';
import { createRoomCore } from '../core/room.ts';
import { databaseUnavailable } from '../db/unavailable.ts';
import type { AppDeps, ResolvedDeps } from './context.ts';
import { ApiError, validationMessage, type ErrorBody, type ErrorCode } from './errors.ts';
import { health } from './health.ts';
import { idempotency } from './idempotency.ts';
import { iceServers } from './ice-servers.ts';
import { fallbackLogger } from '../core/logger.ts';
import { requestLogger } from './logger.ts';
import { messages } from './messages.ts';
import { lobby } from './lobby.ts';
import { apiHeaders } from './page-headers.ts';
import { moderation } from './moderation.ts';
import { seats } from './seats.ts';
import { httpMetrics, metricsHandler } from './http-metrics.ts';
import { serveOpenApi } from './openapi.ts';
import { polls } from './polls.ts';
import { questions } from './questions.ts';
import { report } from './report.ts';
import { webhooks } from './webhooks.ts';
import { createWebhooks } from '../core/webhooks.ts';
import { apiRateLimits } from './rate-limit.ts';
import { rooms } from './rooms.ts';

export const MAX_BODY_BYTES = 64 * 1024;

/** Builds the API, mounted under `/api`. Every dependency arrives through `deps`; nothing is global. */
export function createApp(deps: AppDeps) {
  const limiters = createLimiters(deps.limitStore ?? { kind: 'memory' });
  const resolved: ResolvedDeps = {
    ...deps,
    limiters,
    passwordGuard: createPasswordGuard(limiters),
    startedAt: deps.startedAt ?? Date.now(),
    core:
      deps.core ??
      createRoomCore({
        db: deps.database.db,
        broadcaster: deps.broadcaster,
        ...(deps.metrics ? { metrics: deps.metrics } : {}),
        webhooks: createWebhooks(deps.database.db, { urls: deps.config.WEBHOOK_URLS }),
        onError: (err, context) => logBroadcastFailure(deps, err, context),
      }),
  };
  const app = new OpenAPIHono({ defaultHook: validationHook });

  app.use('*', requestId());
  if (deps.logger) app.use('*', requestLogger(deps.logger));
  if (deps.metrics) app.use('*', httpMetrics(deps.metrics, deps.requestCounts));
  app.use('*', async function injectDeps(c, next) {
    c.set('deps', resolved);
    await next();
  });
  app.use('/api/*', apiHeaders(deps.config));
  app.use(
    '/api/*',
    cors({
      origin: deps.config.CORS_ORIGIN ? deps.config.CORS_ORIGIN.split(',').map((o) => o.trim()) : [],
      allowHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
      allowMethods: ['GET', 'POST', 'PUT', 'DELETE'],
      exposeHeaders: ['Idempotent-Replayed', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset', 'X-Request-Id'],
    }),
  );
  const limits = apiRateLimits(deps.config, limiters);
  app.use('/api/*', limits.api);
  app.use('/api/rooms', limits.createRoom);
  app.use('/api/rooms/:slug/join', limits.join);
  app.use('/api/rooms/:slug/messages', limits.messages);
  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new ApiError(413, 'payload_too_large', `Request bodies are limited to ${MAX_BODY_BYTES} bytes`);
      },
    }),
  );

  // After the body limit: a keyed request is read (to tell a repeat from a different request) only once it fits.
  const keyed = idempotency();
  for (const path of ['/api/rooms', '/api/rooms/:slug/join', '/api/rooms/:slug/messages', '/api/rooms/:slug/questions']) app.use(path, keyed);

  app.route('/api', health);
  app.route('/api', rooms);
  app.route('/api', messages);
  app.route('/api', questions);
  app.route('/api', polls);
  app.route('/api', report);
  app.route('/api', webhooks);
  app.route('/api', moderation);
  app.route('/api', lobby);
  app.route('/api', seats);
  app.route('/api', iceServers);
  app.route('/api', admin);
  if (deps.metrics) app.get('/metrics', metricsHandler(deps.metrics, deps.config.METRICS_TOKEN));
  serveOpenApi(app, deps.version);

  app.notFound((c) => {
    const body: ErrorBody = { error: { code: 'not_found', message: `No route for ${c.req.method} ${c.req.path}` } };
    return c.json(body, 404);
  });

  app.onError((err, c) => {
    const requestId = c.get('requestId');
    if (err instanceof ApiError) return c.json(errorBody(err.code, err.message, err.details), err.status);
    if (err instanceof RoomError) {
      const headers: Record<string, string> =
        err.retryAfterMs === undefined ? {} : { 'Retry-After': String(Math.max(1, Math.ceil(err.retryAfterMs / 1000))) };
      return c.json(errorBody(err.code, err.message), roomErrorStatus[err.code], headers);
    }
    if (err instanceof ZodError) {
      const details = zodDetails(err);
      return c.json(errorBody('validation_error', validationMessage(details), details), 400);
    }
    if (err instanceof HTTPException) {
      const status = err.status as ContentfulStatusCode;
      // Hono's JSON validator answers a body that does not parse with a 400 HTTPException.
      const code: ErrorCode = status === 400 ? 'invalid_json' : status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : status === 401 ? 'unauthorized' : 'internal_error';
      const message = status === 415 ? 'Request bodies must be JSON (Content-Type: application/json)' : err.message || 'Bad request';
      return c.json(errorBody(code, message), status);
    }
    (deps.logger ?? fallbackLogger()).error({ requestId, err }, 'unhandled error');
    if (databaseUnavailable(err)) {
      const body = errorBody('unavailable', 'The service is briefly unavailable (its database is not answering); nothing was saved, try again shortly', undefined, requestId);
      return c.json(body, 503, { 'Retry-After': '2' });
    }
    return c.json(errorBody('internal_error', 'Something went wrong on our side', undefined, requestId), 500);
  });

  return app;
}

export type App = ReturnType<typeof createApp>;

const roomErrorStatus = {
  validation_error: 400,
  forbidden: 403,
  question_not_found: 404,
  poll_not_found: 404,
  poll_not_open: 409,
  room_ended: 410,
  rate_limited: 429,
  busy: 503,
  participant_not_found: 404,
  message_not_found: 404,
  stage_full: 409,
  conflict: 409,
} as const satisfies Record<RoomErrorCode, ContentfulStatusCode>;

/** The write has happened whatever the sockets hear, so a failing broadcast is logged and never turns a success into an error. */
function logBroadcastFailure(deps: AppDeps, err: unknown, context: { event: string; roomId: string }): void {
  (deps.logger ?? fallbackLogger()).error({ ...context, err }, 'broadcast failed');
}

function errorBody(code: ErrorCode, message: string, details?: unknown, requestId?: string): ErrorBody {
  return { error: { code, message, ...(details === undefined ? {} : { details }), ...(requestId ? { requestId } : {}) } };
}

function zodDetails(err: ZodError) {
  return err.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** Keeps validation failures on the one error path: the hook throws, `onError` answers. */
function validationHook(result: { success: boolean; error?: unknown }) {
  if (!result.success && result.error instanceof ZodError) {
    const details = zodDetails(result.error);
    throw new ApiError(400, 'validation_error', validationMessage(details), { details });
  }
}
