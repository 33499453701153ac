// GET /api/rooms/:slug/ice-servers: the STUN/TURN servers a participant's browser should use.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { requireParticipant } from './auth.ts';
import { errorResponses, slugParams } from './schemas.ts';

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

export const iceServers = new OpenAPIHono().openapi(route, (c) => c.json({ iceServers: c.get('deps').config.ICE_SERVERS }, 200));
