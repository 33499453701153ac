// GET /api/rooms/:slug/ice-servers: the STUN/TURN servers a participant's browser should use, with
// short-lived TURN credentials minted for this participant, and the room's address policy.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { requireParticipant } from './auth.ts';
import { ApiError } from './errors.ts';
import { bearerSecurity, errorResponses, jsonContent, slugParams } from './route-schemas.ts';
import { REQUEST_HOST, turnCredentials } from './turn.ts';

const iceServerSchema = z
  .object({
    urls: z.union([z.string(), z.array(z.string())]),
    username: z.string().optional(),
    credential: z.string().optional(),
  })
  .openapi('IceServer');

const iceConfigSchema = z
  .object({
    iceServers: z.array(iceServerSchema),
    iceTransportPolicy: z.enum(['all', 'relay']).openapi({ description: '`relay` in rooms that hide addresses' }),
    relay: z.boolean().openapi({ description: 'Whether a TURN relay is among `iceServers`' }),
    hideAddresses: z.boolean(),
    hideLanAddresses: z.boolean(),
  })
  .openapi('IceServers');

/** What the UI gets: servers, transport policy and the room's privacy, inferred from the schema. */
export type IceConfigBody = z.infer<typeof iceConfigSchema>;

const route = createRoute({
  method: 'get',
  path: '/rooms/{slug}/ice-servers',
  operationId: 'getIceServers',
  tags: ['rooms'],
  summary: 'ICE servers (RTCIceServer objects) and transport policy for this room’s peer connections',
  security: bearerSecurity,
  middleware: [requireParticipant()] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'Pass `{ iceServers, iceTransportPolicy }` to `new RTCPeerConnection(…)`', content: jsonContent(iceConfigSchema) },
    ...errorResponses(401, 403, 404, 429),
  },
});

export const iceServers = new OpenAPIHono().openapi(route, async (c) => {
  const { config } = c.get('deps');
  const { participant, room } = c.get('caller');
  // A participant who left has no media to relay; rejoining the room's socket makes them present again.
  if (participant.leftAt !== null) throw new ApiError(403, 'participant_left', 'You have left this room; rejoin it first');
  const servers: z.infer<typeof iceServerSchema>[] = config.ICE_SERVERS ?? (config.STUN_URLS.length ? [{ urls: config.STUN_URLS }] : []);
  const relay = Boolean(config.TURN_URLS && config.TURN_SECRET);
  if (config.TURN_URLS && config.TURN_SECRET) {
    const host = requestHost(c.req.header('host'));
    servers.push(
      await turnCredentials({
        urls: config.TURN_URLS.map((url) => url.replace(REQUEST_HOST, host)),
        secret: config.TURN_SECRET,
        ttlSeconds: config.TURN_TTL_SECONDS,
        participantId: participant.id,
      }),
    );
  }
  // Credentials are minted per participant and expire: no cache may hand them to someone else.
  c.header('Cache-Control', 'no-store');
  return c.json(
    {
      iceServers: servers,
      iceTransportPolicy: room.hideAddresses ? ('relay' as const) : ('all' as const),
      relay,
      hideAddresses: room.hideAddresses,
      hideLanAddresses: room.hideLanAddresses,
    },
    200,
  );
});

/** The host name the browser reached Podium at, for a relay on the same machine; never a header's junk. */
function requestHost(header: string | undefined): string {
  try {
    return new URL(`http://${header ?? ''}`).hostname || '127.0.0.1';
  } catch {
    return '127.0.0.1';
  }
}
