// Which Janus servers a process drives: those in JANUS_URL, or a Janus of its own when `janus` is on PATH.
import { join, resolve } from 'node:path';
import type { Config } from '../core/config.ts';
import type { Logger } from 'pino';
import type { MediaServerStatus } from '../core/metrics.ts';
import { createManagedJanus, type ManagedJanus } from '../managed/janus.ts';
import { findOnPath } from '../managed/process.ts';
import type { SfuRoomStore } from '../db/room-media.ts';
import { createSfu, type Sfu } from './sfu.ts';

export type MediaServerConfig = Pick<
  Config,
  'JANUS_URL' | 'JANUS_API_SECRET' | 'JANUS_ADMIN_KEY' | 'JANUS_RTP_PORTS' | 'JANUS_WS_PORT' | 'JANUS_PUBLIC_IP' | 'MEDIA_MODE' | 'DATA_DIR'
>;

export interface MediaServers {
  sfu?: Sfu;
  /** The Janus this process runs itself, if it does. */
  managed?: ManagedJanus;
  status(): MediaServerStatus[];
  close(): Promise<void>;
}

/**
 * Without JANUS_URL and with `manage` (the all-in-one process), starts Janus under the supervisor when the
 * binary is on PATH. MEDIA_MODE=star needs no Janus and starts none. A managed Janus that cannot start is
 * logged and the process goes on with stars only.
 */
export async function startMediaServers(
  config: MediaServerConfig,
  logger: Logger,
  options: { manage: boolean; janusBinary?: string; store?: SfuRoomStore } = { manage: true },
): Promise<MediaServers> {
  const none: MediaServers = { status: () => [], close: async () => {} };
  if (config.MEDIA_MODE === 'star') return none;
  let managed: ManagedJanus | undefined;
  let servers = (config.JANUS_URL ?? []).map((url) => ({ url, apiSecret: config.JANUS_API_SECRET, adminKey: config.JANUS_ADMIN_KEY }));
  if (servers.length === 0) {
    const binary = options.janusBinary ?? findOnPath('janus');
    if (!options.manage || !binary) {
      logger.info('no Janus configured or on PATH: rooms are stars (apt-get install janus for the SFU)');
      return none;
    }
    try {
      managed = await createManagedJanus({
        dir: join(resolve(config.DATA_DIR), 'janus'),
        binary,
        wsPort: config.JANUS_WS_PORT,
        rtpPorts: config.JANUS_RTP_PORTS,
        natMapping: config.JANUS_PUBLIC_IP,
        onEvent: (event) => {
          if (event.type === 'exited' && !event.expected) logger.error({ code: event.code, signal: event.signal }, 'janus exited');
          else if (event.type === 'failed') logger.error({ reason: event.message }, 'janus failed to restart');
          else if (event.type === 'ready') logger.info({ janusPid: event.pid, ms: event.ms }, 'janus ready');
        },
      });
      await managed.start();
    } catch (err) {
      logger.error({ err }, 'cannot start Janus: rooms are stars');
      await managed?.stop().catch(() => {});
      return none;
    }
    servers = [{ url: managed.url, apiSecret: managed.apiSecret, adminKey: managed.adminSecret }];
  }
  const names = new Map(servers.map((s, i) => [s.url, `janus-${i + 1}`]));
  const sfu = createSfu({
    servers,
    onServerChange: (s) => logger[s.healthy ? 'info' : 'warn']({ server: names.get(s.url) }, s.healthy ? 'janus answering' : 'janus not answering'),
    onError: (err, context) => logger.error({ ...context, err }, 'sfu error'),
    ...(options.store ? { store: options.store } : {}),
  });
  logger.info({ servers: [...names].map(([url, name]) => ({ name, url })) }, 'sfu: Janus servers');
  return {
    sfu,
    managed,
    status: () => sfu.status().map(({ url, ...rest }) => ({ name: names.get(url) ?? url, ...rest })),
    async close() {
      await sfu.close();
      await managed?.stop();
    },
  };
}
