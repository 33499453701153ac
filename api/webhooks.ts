// A room's webhook receivers and its delivery log over REST, for the presenter.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { webhookEvents } from '../core/webhooks.ts';
import { addWebhookEndpoint, listDeliveries, listWebhookEndpoints } from '../db/webhooks.ts';
import { requireParticipant } from './auth.ts';
import { ApiError } from './errors.ts';
import { bearerSecurity, errorResponses, jsonContent, slugParams } from './route-schemas.ts';
import { MAX_WEBHOOK_URL_LENGTH } from '../core/limits.ts';

/** Receivers a room may have; the deployment's (WEBHOOK_URLS) come on top. */
export const MAX_WEBHOOKS_PER_ROOM = 5;

export const addWebhookBody = z
  .object({
    url: z
      .url({ protocol: /^https?$/, message: 'expected an http(s):// URL' })
      .max(MAX_WEBHOOK_URL_LENGTH)
      .openapi({ description: 'Loopback and private addresses are refused at delivery unless WEBHOOK_ALLOW_PRIVATE is on' }),
    events: z.array(z.enum(webhookEvents)).min(1).optional().openapi({ description: 'Which events; every event when left out' }),
  })
  .openapi('AddWebhookRequest');

const endpointSchema = z
  .object({ id: z.uuid(), url: z.string(), events: z.array(z.enum(webhookEvents)).nullable(), createdAt: z.iso.datetime({ offset: true }) })
  .openapi('WebhookEndpoint');

const deliverySchema = z
  .object({
    id: z.string().openapi({ description: 'The `webhook-id` header' }),
    url: z.string(),
    event: z.enum(webhookEvents),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    lastStatus: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.iso.datetime({ offset: true }).nullable(),
    createdAt: z.iso.datetime({ offset: true }),
    deliveredAt: z.iso.datetime({ offset: true }).nullable(),
  })
  .openapi('WebhookDelivery');

const addRoute = createRoute({
  method: 'post',
  path: '/rooms/{slug}/webhooks',
  operationId: 'addWebhook',
  tags: ['webhooks'],
  summary: 'Add a webhook receiver to the room (presenter); the answer carries its signing secret, once',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams, body: { required: true, content: jsonContent(addWebhookBody) } },
  responses: {
    201: {
      description: 'Added',
      content: jsonContent(endpointSchema.extend({ secret: z.string().openapi({ description: 'whsec_…: verify signatures with it' }) }).openapi('AddedWebhook')),
    },
    ...errorResponses(400, 401, 403, 404, 413, 415, 429),
  },
});

const listRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/webhooks',
  operationId: 'listWebhooks',
  tags: ['webhooks'],
  summary: 'The room’s webhook receivers (presenter), without their secrets',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'Receivers', content: jsonContent(z.object({ webhooks: z.array(endpointSchema) }).openapi('WebhookList')) },
    ...errorResponses(401, 403, 404, 429),
  },
});

const deliveriesRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/webhooks/deliveries',
  operationId: 'listWebhookDeliveries',
  tags: ['webhooks'],
  summary: 'The room’s webhook delivery log, newest first (presenter; also after the room ended)',
  security: bearerSecurity,
  middleware: [requireParticipant({ presenterAfterEnd: true })] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'Deliveries', content: jsonContent(z.object({ deliveries: z.array(deliverySchema) }).openapi('WebhookDeliveryList')) },
    ...errorResponses(401, 403, 404, 429),
  },
});

function presenterRoom(c: Context) {
  const { room, role } = c.get('caller');
  if (role !== 'presenter') throw new ApiError(403, 'forbidden', 'Only the presenter may manage webhooks');
  return room;
}

const iso = (d: Date | string) => new Date(d).toISOString();
const endpointBody = (e: { id: string; url: string; events: string[] | null; createdAt: Date }) => ({
  id: e.id,
  url: e.url,
  events: e.events as (typeof webhookEvents)[number][] | null,
  createdAt: iso(e.createdAt),
});

/** A Standard Webhooks secret: `whsec_` and 24 random bytes in base64. */
function newSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return `whsec_${btoa(String.fromCharCode(...bytes))}`;
}

export const webhooks = new OpenAPIHono()
  .openapi(addRoute, async (c) => {
    const room = presenterRoom(c);
    const { url, events } = c.req.valid('json');
    const secret = newSecret();
    const added = await addWebhookEndpoint(c.get('deps').database.db, { roomId: room.id, url, secret, events: events ?? null }, MAX_WEBHOOKS_PER_ROOM);
    if (!added) throw new ApiError(400, 'validation_error', `A room has at most ${MAX_WEBHOOKS_PER_ROOM} webhook receivers`);
    return c.json({ ...endpointBody(added), secret }, 201);
  })
  .openapi(listRoute, async (c) => {
    const room = presenterRoom(c);
    return c.json({ webhooks: (await listWebhookEndpoints(c.get('deps').database.db, room.id)).map(endpointBody) }, 200);
  })
  .openapi(deliveriesRoute, async (c) => {
    const room = presenterRoom(c);
    const rows = await listDeliveries(c.get('deps').database.db, room.id, 200);
    return c.json(
      {
        deliveries: rows.map((d) => ({
          id: d.id,
          url: d.url,
          event: d.event as (typeof webhookEvents)[number],
          status: d.status,
          attempts: d.attempts,
          lastStatus: d.lastStatus,
          lastError: d.lastError,
          nextAttemptAt: d.status === 'pending' ? iso(d.nextAttemptAt) : null,
          createdAt: iso(d.createdAt),
          deliveredAt: d.deliveredAt ? iso(d.deliveredAt) : null,
        })),
      },
      200,
    );
  });
