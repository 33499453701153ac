// The all-in-one process: the built UI, the API under /api and Socket.io, on one port.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createApp } from './api/app.ts';
import { bcryptPasswords } from './api/bcrypt.ts';
import { silentBroadcaster, type Broadcaster } from './core/broadcast.ts';
import { REQUEST_HOST } from './api/turn.ts';
import { version } from './core/version.ts';
import { configOrExit, onShutdown, openDatabase, openLimitStore } from './boot.ts';
import { startManagedTurn } from './managed/coturn.ts';
import { projectPath } from './paths.ts';
import { deploymentCore, startJobs } from './jobs.ts';
import { createOperations, drain } from './node-operations.ts';
import { adapterKind, createClusterAdapter } from './signaling/adapters.ts';
import { createSocketBroadcaster } from './signaling/broadcaster.ts';
import { startMediaServers } from './signaling/media-servers.ts';
import { createSfuRoomStore } from './db/room-media.ts';
import { createSignaling } from './signaling/server.ts';
import { readCertificateFilesOrExit, serveApp } from './tls/serve.ts';
import { serveUi } from './serve-ui.ts';

const ROOT = dirname(projectPath(import.meta.dirname, 'vite.config.ts'));
const UI_DIR = resolve(ROOT, 'dist');

/**
 * Builds the UI once when there is none (a fresh clone's first `npm start`). In a child process: Vite and Rollup
 * left this process 250–350 MB larger for minutes when the build ran inside it.
 */
async function ensureUiBuilt(): Promise<void> {
  if (existsSync(resolve(UI_DIR, 'index.html'))) return;
  console.log('podium: no UI build found, building it once (npm run build)');
  const vite = resolve(dirname(createRequire(import.meta.url).resolve('vite/package.json')), 'bin/vite.js');
  // From the project's folder, where the config's relative root points, whatever folder the start came from.
  try {
    await promisify(execFile)(process.execPath, [vite, 'build', '--config', 'vite.config.ts', '--logLevel', 'warn'], { cwd: ROOT });
  } catch (err) {
    const { stderr } = err as { stderr?: string };
    console.error(`podium: the UI build failed: ${stderr?.trim() || (err instanceof Error ? err.message : String(err))}`);
    process.exit(1);
  }
}

const settings = configOrExit();
// Unreadable certificate files stop the start before the database or any managed program starts.
const certificate = readCertificateFilesOrExit(settings);
await ensureUiBuilt();
const database = await openDatabase(settings);
let turn: Awaited<ReturnType<typeof startManagedTurn>>;
try {
  turn = await startManagedTurn(settings, REQUEST_HOST, (line) => console.log(`podium: ${line}`));
} catch (err) {
  console.error(`podium: cannot start coturn (MANAGED_TURN=on): ${err instanceof Error ? err.message : String(err)}`);
  await database.close();
  process.exit(1);
}
// Whatever way this process ends, its relay does not outlive it.
process.once('exit', () => turn?.kill());
const config = turn ? { ...settings, TURN_URLS: turn.urls, TURN_SECRET: turn.secret } : settings;
const ops = createOperations(config, database, 'all-in-one');
const media = await startMediaServers(config, ops.logger, { manage: true, store: createSfuRoomStore(database.db) });
// REST and sockets count in one store: memory while this process is alone (RATE_LIMIT_STORE says otherwise).
const limits = await openLimitStore(config, 'alone', database, (err) => ops.logger.error({ err }, 'rate-limit store error'));

// Socket.io attaches to the HTTP server that serves the app, so the broadcaster reaches it only once both exist.
let broadcaster: Broadcaster = silentBroadcaster;
const roomBroadcaster: Broadcaster = {
  toRoom: (roomId, event, payload) => broadcaster.toRoom(roomId, event, payload),
  toParticipants: (ids, event, payload) => broadcaster.toParticipants(ids, event, payload),
  disconnectParticipants: (ids, sparing) => broadcaster.disconnectParticipants(ids, sparing),
  endRoom: (roomId, sessionStats) => broadcaster.endRoom(roomId, sessionStats),
  connectedSockets: () => broadcaster.connectedSockets(),
};
// One room core for both transports: one chat write queue and one view of which rooms are live.
const core = deploymentCore(config, database.db, { broadcaster: roomBroadcaster, metrics: ops.metrics, logger: ops.logger });
const jobs = startJobs(config, database.db, ops.logger);
const app = createApp({
  config,
  database,
  passwords: bcryptPasswords(),
  version,
  logger: ops.logger,
  metrics: ops.metrics,
  requestCounts: ops.requestCounts,
  mediaServers: media.status,
  broadcaster: roomBroadcaster,
  core,
  limitStore: limits.store,
});

serveUi(app, UI_DIR, config);

// Plain HTTP on PORT, or HTTPS (certificates from ACME, TLS_CERT/TLS_KEY or a local CA) with HTTP redirecting to it.
const web = await serveApp(app.fetch, config, { info: (message) => ops.logger.info(message), error: (message) => ops.logger.error(message) }, certificate);
const server = web.server;
const cluster = await createClusterAdapter(config, 'alone', (err) => ops.logger.error({ err }, 'socket adapter error'));
const signaling = createSignaling(server, { db: database.db, config, cluster, core, sfu: media.sfu, limitStore: limits.store, ...ops.signaling });
ops.metrics.setSources({ connectedSockets: () => signaling.io.engine.clientsCount, mediaServers: media.status });
broadcaster = createSocketBroadcaster(signaling.io, { clustered: cluster.kind !== 'memory' });

// Stop accepting, tell sockets to reconnect (they see a transport close), let requests in flight finish,
// destroy the Janus rooms and stop Janus, write the last request counts, then close the pool.
onShutdown(async () => {
  const drained = drain(server);
  await signaling.close();
  await drained;
  await web.close();
  await jobs.stop();
  await core.close();
  await media.close();
  await limits.close();
  await ops.close();
  await database.close();
  await turn?.stop();
});
// Said once everything above is wired, shutdown included, so "listening" means ready.
void web.listening.then((url) => console.log(`podium ${version}: listening on ${url} (database: ${database.where}, socket adapter: ${adapterKind(config, 'alone')})`));
