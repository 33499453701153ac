// GET /api/health: is the database answering, how busy is the pool, how many sockets are connected, which Janus servers answer.
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
    janus: z
      .array(
        z.object({
          name: z.string().openapi({ example: 'janus-1' }),
          healthy: z.boolean(),
          rooms: z.number().int(),
          publishers: z.number().int(),
          subscribers: z.number().int(),
          latencyMs: z.number().nullable(),
        }),
      )
      .openapi({ description: 'Each Janus server this process drives, in JANUS_URL order; empty without an SFU' }),
    uptimeSeconds: z.number(),
    version: z.string(),
  })
  .openapi('Health');

const route = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getHealth',
  summary: 'Liveness and database health',
  responses: {
    200: {
      description: 'The database answers; `status` is `degraded` when Janus servers are configured and none answers (rooms then stay stars)',
      content: { 'application/json': { schema: healthSchema } },
    },
    503: { description: 'The database did not answer within a second', content: { 'application/json': { schema: healthSchema } } },
  },
});

const PING_TIMEOUT_MS = 1000;

export const health = new OpenAPIHono().openapi(route, async (c) => {
  const { database, broadcaster, version, startedAt, mediaServers } = c.get('deps');
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
  const janus = mediaServers?.() ?? [];
  const janusDown = janus.length > 0 && !janus.some((s) => s.healthy);
  const body = {
    status: ok && !janusDown ? ('ok' as const) : ('degraded' as const),
    db: { ok, latencyMs, pool: database.pool() },
    sockets: { connected },
    janus,
    uptimeSeconds: Math.round((Date.now() - (startedAt ?? Date.now())) / 1000),
    version,
  };
  return ok ? c.json(body, 200) : c.json(body, 503);
});
