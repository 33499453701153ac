// GET /api/rooms/:slug/ice-servers: the STUN/TURN servers a participant's browser should use, with
// short-lived TURN credentials minted for this participant when coturn's shared secret is configured.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { requireParticipant } from './auth.ts';
import { errorResponses, slugParams } from './route-schemas.ts';
import { turnCredentials } from './turn.ts';

const iceServerSchema = z
  .object({
    urls: z.union([z.string(), z.array(z.string())]),
    username: z.string().optional(),
    credential: z.string().optional(),
  })
  .openapi('IceServer');

const route = createRoute({
  method: 'get',
  path: '/rooms/{slug}/ice-servers',
  tags: ['rooms'],
  summary: 'ICE servers (RTCIceServer objects) for this room’s peer connections',
  security: [{ bearerAuth: [] }],
  middleware: [requireParticipant()] as const,
  request: { params: slugParams },
  responses: {
    200: {
      description: 'Pass `iceServers` to `new RTCPeerConnection({ iceServers })`',
      content: { 'application/json': { schema: z.object({ iceServers: z.array(iceServerSchema) }).openapi('IceServers') } },
    },
    ...errorResponses(401, 403, 404, 429),
  },
});

export const iceServers = new OpenAPIHono().openapi(route, async (c) => {
  const { config } = c.get('deps');
  const servers: z.infer<typeof iceServerSchema>[] = [...config.ICE_SERVERS];
  if (config.TURN_URLS && config.TURN_SECRET) {
    const { participant } = c.get('caller');
    servers.push(
      await turnCredentials({
        urls: config.TURN_URLS,
        secret: config.TURN_SECRET,
        ttlSeconds: config.TURN_TTL_SECONDS,
        participantId: participant.id,
      }),
    );
  }
  // Credentials are minted per participant and expire: no cache may hand them to someone else.
  c.header('Cache-Control', 'no-store');
  return c.json({ iceServers: servers }, 200);
});
