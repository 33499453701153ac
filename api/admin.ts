// GET /api/admin/analytics: usage and error rates for a time range, for whoever holds ADMIN_TOKEN.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { computeAnalytics } from '../db/analytics.ts';
import { ApiError } from './errors.ts';
import { bearerAllowed } from './http-metrics.ts';
import { errorResponses } from './route-schemas.ts';

const DAY_MS = 86_400_000;
export const DEFAULT_RANGE_DAYS = 30;
/** The per-day series has one entry per day; a year bounds the answer and the query. */
export const MAX_RANGE_DAYS = 366;

const dateOnly = /^\d{4}-\d{2}-\d{2}$/;
const instant = z
  .union([z.iso.date(), z.iso.datetime({ offset: true })], { message: 'expected a date (2026-03-01) or an ISO date-time' })
  .optional();

export const analyticsQuery = z
  .object({
    from: instant.openapi({ description: 'Inclusive; a date means its UTC midnight. Default: 30 days before `to`', example: '2026-03-01' }),
    to: instant.openapi({ description: 'A date includes that whole UTC day; a date-time is exclusive. Default: now', example: '2026-03-31' }),
  })
  .transform(({ from, to }) => {
    const end = to === undefined ? new Date() : dateOnly.test(to) ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) : new Date(to);
    const start = from === undefined ? new Date(end.getTime() - DEFAULT_RANGE_DAYS * DAY_MS) : new Date(dateOnly.test(from) ? `${from}T00:00:00Z` : from);
    return { from: start, to: end };
  })
  .refine((r) => r.from < r.to, { message: '`from` must be before `to`', path: ['from'] })
  .refine((r) => r.to.getTime() - r.from.getTime() <= MAX_RANGE_DAYS * DAY_MS, {
    message: `the range is limited to ${MAX_RANGE_DAYS} days`,
    path: ['to'],
  });

const count = z.number().int();

export const analyticsSchema = z
  .object({
    range: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
    roomsCreatedPerDay: z.array(z.object({ day: z.iso.date(), rooms: count })),
    sessions: z.object({
      ended: count,
      averageDurationSeconds: z.number().nullable(),
      medianDurationSeconds: z.number().nullable(),
    }),
    peakConcurrentUsers: z.object({
      overall: count,
      perRoom: z.array(z.object({ roomId: z.uuid(), slug: z.string(), createdAt: z.iso.datetime(), peak: count })),
    }),
    featureUsage: z.object({
      rooms: count,
      withChat: count,
      withQuestions: count,
      withScreenShare: count,
      withReactions: count,
      withPassword: count,
      withPolls: count.openapi({ description: 'Rooms that launched at least one poll' }),
    }),
    errorRateByEndpoint: z.array(
      z.object({
        method: z.string(),
        route: z.string(),
        requests: count,
        clientErrors: count,
        serverErrors: count,
        errorRate: z.number().openapi({ description: 'Share of 5xx answers, 0 to 1' }),
      }),
    ),
  })
  .openapi('Analytics');

const route = createRoute({
  method: 'get',
  path: '/admin/analytics',
  operationId: 'getAnalytics',
  tags: ['admin'],
  summary: 'Usage analytics and error rates for a time range (Bearer ADMIN_TOKEN; 404 when ADMIN_TOKEN is not set)',
  security: [{ adminToken: [] }],
  request: { query: analyticsQuery },
  responses: {
    200: { description: 'Figures for the range', content: { 'application/json': { schema: analyticsSchema } } },
    ...errorResponses(400, 401, 404, 429),
  },
});

/**
 * With no ADMIN_TOKEN the endpoint answers 404 exactly like a route that does not exist: no token could
 * ever pass, and a 403 would only tell a scanner that an admin surface is there.
 */
function requireAdmin(): MiddlewareHandler {
  return async function requireAdmin(c, next) {
    const token = c.get('deps').config.ADMIN_TOKEN;
    if (!token) throw new ApiError(404, 'not_found', `No route for ${c.req.method} ${c.req.path}`);
    if (!(await bearerAllowed(c, token))) {
      c.header('WWW-Authenticate', 'Bearer realm="admin"');
      throw new ApiError(401, 'unauthorized', 'Analytics need Authorization: Bearer <ADMIN_TOKEN>');
    }
    await next();
  };
}

export const admin = new OpenAPIHono();
admin.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
  type: 'http',
  scheme: 'bearer',
  description: 'The ADMIN_TOKEN the operator configured',
});
admin.use('/admin/*', requireAdmin());
admin.openapi(route, async (c) => {
  const range = c.req.valid('query');
  // Figures for operators only: no shared cache may keep them.
  c.header('Cache-Control', 'no-store');
  return c.json(await computeAnalytics(c.get('deps').database.db, range), 200);
});
