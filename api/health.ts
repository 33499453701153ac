// GET /api/health: is the database answering, how busy is the pool, how many sockets are connected.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';

const healthSchema = z
  .object({
    status: z.enum(['ok', 'degraded']),
    db: z.object({
      ok: z.boolean(),
      latencyMs: z.number().nullable(),
      pool: z.object({ max: z.number().int(), inUse: z.number().int(), waiting: z.number().int() }),
    }),
    sockets: z.object({ connected: z.number().int() }),
    uptimeSeconds: z.number(),
    version: z.string(),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness and database health',
  responses: {
    200: { description: 'Healthy', content: { 'application/json': { schema: healthSchema } } },
    503: { description: 'The database did not answer within a second', content: { 'application/json': { schema: healthSchema } } },
  },
});

const PING_TIMEOUT_MS = 1000;

export const health = new OpenAPIHono().openapi(route, async (c) => {
  const { database, broadcaster, version, startedAt } = c.get('deps');
  const started = performance.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ok = await Promise.race([
    database.ping().then(
      () => true,
      () => false,
    ),
    new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), PING_TIMEOUT_MS);
    }),
  ]);
  clearTimeout(timer);
  const latencyMs = ok ? Math.round((performance.now() - started) * 100) / 100 : null;
  const connected = await broadcaster.connectedSockets().catch(() => 0);
  const body = {
    status: ok ? ('ok' as const) : ('degraded' as const),
    db: { ok, latencyMs, pool: database.pool() },
    sockets: { connected },
    uptimeSeconds: Math.round((Date.now() - (startedAt ?? Date.now())) / 1000),
    version,
  };
  return ok ? c.json(body, 200) : c.json(body, 503);
});
