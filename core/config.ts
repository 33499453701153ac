// Configuration from the environment, validated once at start; a bad value names its variable.
import { z } from 'zod';
import { isProxyEntry } from './client-address.ts';

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
  // How Socket.io processes share rooms. Unset: memory for the all-in-one process (it is alone), and for the
  // split entries redis with REDIS_URL, else postgres with DATABASE_URL.
  SOCKET_ADAPTER: z.enum(['memory', 'postgres', 'redis'], { message: 'expected memory, postgres or redis' }).optional(),
  CORS_ORIGIN: z.string().min(1).optional(),
  // The proxies whose X-Forwarded-For is believed: addresses, CIDRs, or loopback/linklocal/uniquelocal.
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((raw) => (['false', '0', 'no', 'off'].includes(raw.trim()) ? [] : raw.split(',').map((e) => e.trim()).filter(Boolean)))
    .refine((entries) => !entries.some((e) => ['true', '1', 'yes', 'on'].includes(e)), {
      message:
        'true would believe X-Forwarded-For from anyone who reaches the port; name the proxy instead: loopback (nginx on this machine), or addresses and CIDRs such as 10.0.0.2,10.0.1.0/24',
    })
    .refine((entries) => entries.every(isProxyEntry), {
      message: 'expected false, or comma-separated proxy addresses and CIDRs (10.0.0.2,10.0.1.0/24), or loopback, linklocal, uniquelocal',
    }),
  RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  // Where rate-limit counts live. Unset: memory for the all-in-one process (it is alone), and for the split
  // entries redis with REDIS_URL, else postgres (the counts are then shared by every process).
  RATE_LIMIT_STORE: z.enum(['memory', 'postgres', 'redis'], { message: 'expected memory, postgres or redis' }).optional(),
  RATE_LIMIT_WINDOW_SECONDS: positive(900),
  // Per client address (an IPv6 /64): every request without a valid token, and room creation and joins.
  RATE_LIMIT_API: positive(600),
  RATE_LIMIT_CREATE_ROOM: positive(10),
  RATE_LIMIT_JOIN: positive(200),
  // Per participant: every request with a valid token, and chat messages sent over REST.
  RATE_LIMIT_API_PARTICIPANT: positive(600),
  RATE_LIMIT_MESSAGES: positive(200),
  // Per participant on the signaling socket: chat covers chat, reactions and questions; signaling covers every event.
  RATE_LIMIT_SOCKET_WINDOW_SECONDS: positive(10),
  RATE_LIMIT_SOCKET_CHAT: positive(10),
  RATE_LIMIT_SOCKET_SIGNALING: positive(200),
  // Rooms end by themselves (as the presenter's End would): once every presenter has been away this long, and
  // at the latest this long after they were created. Checked every ROOM_END_CHECK_SECONDS by every process.
  ROOM_IDLE_END_MINUTES: z.coerce
    .number({ message: 'expected a whole number of minutes' })
    .int('expected a whole number of minutes')
    .min(1, 'expected at least 1 minute')
    .max(10_080, 'expected at most 10080 minutes (a week)')
    .default(30),
  ROOM_MAX_HOURS: z.coerce
    .number({ message: 'expected a whole number of hours' })
    .int('expected a whole number of hours')
    .min(1, 'expected at least 1 hour')
    .max(720, 'expected at most 720 hours (30 days)')
    .default(24),
  ROOM_END_CHECK_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  // Renegotiations an attendee can make the presenter's page start (peer-ready, its own offers) per socket window.
  RATE_LIMIT_SOCKET_RENEGOTIATIONS: positive(5),
  // Socket.io connections opened from one client address (an IPv6 /64) per minute.
  RATE_LIMIT_SOCKET_HANDSHAKES: positive(300),
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
  // In a star the presenter encodes and uploads one copy per attendee (upload ≈ attendees × per-attendee bitrate,
  // 1.5–2.5 Mbit/s for 720p camera video), so past about half of a home uplink or of the presenter's CPU it stops
  // scaling: bench/RESULTS.md's webrtc section shows 30 fps held to 10 attendees on loopback and 9.4 fps at 25.
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
  // Seconds between returns of the allocator's free memory to the system (glibc's malloc_trim); 0 turns it off.
  MALLOC_TRIM_SECONDS: z.coerce.number().int().min(0).max(86_400).default(30),
  // Bearer secrets for GET /metrics and GET /api/admin/analytics; unset leaves /metrics open and analytics off.
  METRICS_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  ADMIN_TOKEN: z.string().min(16, 'use at least 16 characters').optional(),
  // HTTPS served by the all-in-one process itself (see tlsMode below); the production split leaves TLS to nginx.
  TLS: z.enum(['auto', 'acme', 'local', 'off'], { message: 'expected auto, acme, local or off' }).default('auto'),
  TLS_CERT: z.string().min(1).optional(),
  TLS_KEY: z.string().min(1).optional(),
  HTTPS_PORT: port(443),
  HTTP_PORT: port(80),
  ACME_DIRECTORY_URL: z
    .url({ protocol: /^https$/, message: 'expected the https:// URL of an ACME directory' })
    .default('https://acme-v02.api.letsencrypt.org/directory'),
  ACME_EMAIL: z.email({ message: 'expected an email address' }).optional(),
  // Data retention: an ended room (its report, messages, questions, polls, webhook log) is deleted this long after it ended.
  REPORT_RETENTION_DAYS: z.coerce.number().min(0.001).max(3650).default(7),
  RETENTION_SWEEP_SECONDS: positive(3600),
  // Webhooks for every room of the deployment (README "Webhooks"); rooms may add their own over the API.
  WEBHOOK_URLS: z
    .string()
    .optional()
    .transform((raw) => raw?.split(',').map((u) => u.trim()).filter(Boolean))
    .pipe(z.array(z.url({ protocol: /^https?$/, message: 'expected comma-separated http(s):// URLs' })).optional()),
  WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/=]{24,}$/, 'expected whsec_ followed by at least 18 base64-encoded bytes')
    .optional(),
  // Loopback, private and link-local targets are refused unless this is on (for receivers on the same host or LAN).
  WEBHOOK_ALLOW_PRIVATE: bool(false),
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(10),
  // The first retry waits this long; each next one twice as long (capped at an hour).
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(10).max(3_600_000).default(30_000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_POLL_MS: z.coerce.number().int().min(10).max(600_000).default(2_000),
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
    if (config.SOCKET_ADAPTER === 'postgres' && !config.DATABASE_URL) {
      throw new ConfigError('Invalid environment variable SOCKET_ADAPTER: postgres needs DATABASE_URL');
    }
    if (config.SOCKET_ADAPTER === 'redis' && !config.REDIS_URL) {
      throw new ConfigError('Invalid environment variable SOCKET_ADAPTER: redis needs REDIS_URL');
    }
    if (config.RATE_LIMIT_STORE === 'redis' && !config.REDIS_URL) {
      throw new ConfigError('Invalid environment variable RATE_LIMIT_STORE: redis needs REDIS_URL');
    }
    if (config.TURN_SECRET && !config.TURN_URLS) {
      throw new ConfigError('Invalid environment variable TURN_URLS: required when TURN_SECRET is set');
    }
    if (config.WEBHOOK_URLS?.length && !config.WEBHOOK_SECRET) {
      throw new ConfigError('Invalid environment variable WEBHOOK_SECRET: required when WEBHOOK_URLS is set');
    }
    tlsMode(config);
    return config;
  }
  const issue = parsed.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  throw new ConfigError(`Invalid environment variable ${name}: ${issue.message}`);
}

/**
 * How the all-in-one process serves HTTPS, or a ConfigError naming the variable that contradicts the others.
 * `acme`: a certificate for PUBLIC_URL's name from an ACME CA; `files`: TLS_CERT/TLS_KEY; `local`: a local CA in
 * DATA_DIR; `off`: plain HTTP on PORT (local use, or a proxy in front terminates TLS). `auto` picks `files` when
 * the files are given, `acme` when PUBLIC_URL is https:// on a public name and no proxy is trusted, else `off`.
 */
export function tlsMode(config: Config): 'acme' | 'files' | 'local' | 'off' {
  const bad = (name: string, message: string) => new ConfigError(`Invalid environment variable ${name}: ${message}`);
  if (config.TLS_CERT && !config.TLS_KEY) throw bad('TLS_KEY', 'required when TLS_CERT is set');
  if (config.TLS_KEY && !config.TLS_CERT) throw bad('TLS_CERT', 'required when TLS_KEY is set');
  const files = Boolean(config.TLS_CERT);
  const publicUrl = config.PUBLIC_URL ? new URL(config.PUBLIC_URL) : null;
  const httpsName = publicUrl?.protocol === 'https:' && isPublicName(publicUrl.hostname) ? publicUrl.hostname : null;
  const mode =
    config.TLS === 'auto' ? (files ? 'files' : httpsName && config.TRUST_PROXY.length === 0 ? 'acme' : 'off') : config.TLS;
  if (mode === 'off') return 'off';
  if (files && mode !== 'files') throw bad('TLS_CERT', `cannot be combined with TLS=${config.TLS}`);
  if (config.TRUST_PROXY.length > 0) throw bad('TRUST_PROXY', 'means a proxy in front terminates TLS; unset TLS_CERT/TLS_KEY and TLS, or TRUST_PROXY');
  if (config.HTTP_PORT === config.HTTPS_PORT && config.HTTPS_PORT !== 0) throw bad('HTTP_PORT', 'must differ from HTTPS_PORT');
  if (publicUrl && publicUrl.protocol !== 'https:') throw bad('PUBLIC_URL', 'must start with https:// when Podium serves HTTPS');
  if (mode === 'acme') {
    if (!publicUrl) throw bad('PUBLIC_URL', 'TLS=acme needs the https:// URL whose name the certificate is for');
    if (!httpsName) throw bad('PUBLIC_URL', `an ACME CA certifies a public DNS name, not ${publicUrl.hostname} (use TLS=local on a local network)`);
    if (config.HTTP_PORT === 0) throw bad('HTTP_PORT', 'ACME validation needs a fixed HTTP port (the CA connects to port 80)');
  }
  return mode;
}

/** A name an ACME CA can certify: a dotted DNS name, not an IP address, localhost or a .local/.lan name. */
function isPublicName(hostname: string): boolean {
  if (hostname.startsWith('[') || /^\d+(\.\d+){3}$/.test(hostname)) return false;
  if (!hostname.includes('.')) return false;
  return !/\.(localhost|local|lan|home\.arpa|internal)$/.test(hostname) && hostname !== 'localhost';
}
