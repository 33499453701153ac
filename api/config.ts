// Configuration from the environment, validated once at start; a bad value names its variable.
import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes' || v === 'on');

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const positive = (fallback: number) => z.coerce.number().int().min(1).max(1_000_000).default(fallback);

const iceServer = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('0.0.0.0'),
  PORT: port(3000),
  SIGNALING_PORT: port(3001),
  PUBLIC_URL: z.url({ message: 'expected an absolute URL such as https://podium.example.org' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'expected a postgres:// URL')
    .optional(),
  DATABASE_POOL_MAX: positive(20),
  DATA_DIR: z.string().min(1).default('./data'),
  MIGRATE_ON_START: bool(true),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'expected a redis:// URL')
    .optional(),
  CORS_ORIGIN: z.string().min(1).optional(),
  TRUST_PROXY: bool(false),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  RATE_LIMIT_WINDOW_SECONDS: positive(900),
  RATE_LIMIT_API: positive(100),
  RATE_LIMIT_CREATE_ROOM: positive(10),
  RATE_LIMIT_JOIN: positive(50),
  RATE_LIMIT_MESSAGES: positive(200),
  // Per participant on the signaling socket: chat covers chat, reactions and questions; signaling covers every event.
  RATE_LIMIT_SOCKET_WINDOW_SECONDS: positive(10),
  RATE_LIMIT_SOCKET_CHAT: positive(10),
  RATE_LIMIT_SOCKET_SIGNALING: positive(200),
  // How long a dropped participant may take to come back before the room hears `participant-left`.
  RECONNECT_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  // NAT traversal and address privacy (README "Networks"). STUN_URLS is the default ICE configuration when
  // ICE_SERVERS is not set; `none` switches it off for closed networks. ICE_SERVERS, when set, replaces it.
  STUN_URLS: z
    .string()
    .default('stun:stun.l.google.com:19302')
    .transform((raw) => (raw.trim() === 'none' ? [] : raw.split(',').map((u) => u.trim()).filter(Boolean)))
    .pipe(z.array(z.string().regex(/^stuns?:[^\s]+$/, 'expected comma-separated stun: URLs, or none'))),
  ICE_SERVERS: z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined) return undefined;
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'expected a JSON array of RTCIceServer objects' });
        return z.NEVER;
      }
    })
    .pipe(z.array(iceServer, { message: 'expected a JSON array of RTCIceServer objects' }).optional()),
  // coturn's TURN REST API (`use-auth-secret`): the API mints short-lived credentials from this shared secret.
  TURN_URLS: z
    .string()
    .optional()
    .transform((raw) => raw?.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^turns?:[^\s]+$/, 'expected comma-separated turn: or turns: URLs'))
        .min(1, 'expected comma-separated turn: or turns: URLs')
        .optional(),
    ),
  TURN_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
  TURN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  // Janus VideoRoom as the SFU. Unset JANUS_URL with `janus` on PATH: the all-in-one process runs its own.
  JANUS_URL: z
    .string()
    .optional()
    .transform((raw) => raw?.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(
      z
        .array(z.string().regex(/^wss?:\/\/[^\s,]+$/, 'expected comma-separated ws:// or wss:// URLs of Janus WebSocket APIs'))
        .min(1, 'expected comma-separated ws:// or wss:// URLs of Janus WebSocket APIs')
        .optional(),
    ),
  JANUS_API_SECRET: z.string().min(1).optional(),
  // The VideoRoom plugin's admin_key, when the external Janus servers require one to create rooms.
  JANUS_ADMIN_KEY: z.string().min(1).optional(),
  JANUS_RTP_PORTS: z
    .string()
    .default('20000-40000')
    .refine((range) => {
      const m = /^(\d{1,5})-(\d{1,5})$/.exec(range);
      return m !== null && Number(m[1]) >= 1024 && Number(m[2]) <= 65535 && Number(m[1]) < Number(m[2]);
    }, 'expected a port range such as 20000-40000'),
  // The managed Janus's WebSocket API port on 127.0.0.1; 0 picks a free one at each start.
  JANUS_WS_PORT: port(0),
  // The public IPv4 address a VPS's 1:1 NAT maps to this machine (Janus's nat_1_1_mapping), for the managed Janus.
  JANUS_PUBLIC_IP: z.ipv4({ message: 'expected the public IPv4 address of this machine' }).optional(),
  MEDIA_MODE: z.enum(['auto', 'star', 'sfu']).default('auto'),
  STAR_MAX_ATTENDEES: z.coerce.number().int().min(1).max(1000).default(8),
  // With no TURN_URLS, `npm start` runs its own coturn when `turnserver` is on PATH (auto), always (on), or never.
  MANAGED_TURN: z.enum(['auto', 'on', 'off']).default('auto'),
  // The managed coturn's UDP/TCP port (0: a free one) and the host browsers reach it at (PUBLIC_URL's by default).
  TURN_PORT: port(3478),
  TURN_HOST: z.string().regex(/^[A-Za-z0-9.:[\]-]+$/, 'expected a host name or IP address').optional(),
  // Relay peers on loopback and private ranges are refused by the managed coturn unless this is on (tests, LANs).
  TURN_ALLOW_PRIVATE_PEERS: bool(false),
  // Room defaults for rooms created without the field: relay-only media, or only attendees' LAN addresses hidden.
  HIDE_ADDRESSES: bool(false),
  HIDE_LAN_ADDRESSES: bool(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Bearer secrets for GET /metrics and GET /api/admin/analytics; unset leaves /metrics open and analytics off.
  METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
});

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; throws a ConfigError whose message is one line naming the first bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable means "not set", as in most shells' `FOO= npm start`.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (parsed.success) {
    const config = parsed.data;
    if (config.TURN_URLS && !config.TURN_SECRET) {
      throw new ConfigError('Invalid environment variable TURN_SECRET: required when TURN_URLS is set');
    }
    if (config.TURN_SECRET && !config.TURN_URLS) {
      throw new ConfigError('Invalid environment variable TURN_URLS: required when TURN_SECRET is set');
    }
    return config;
  }
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  throw new ConfigError(`Invalid environment variable ${name}: ${issue.message}`);
}
