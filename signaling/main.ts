// The signaling-only process: Socket.io on SIGNALING_PORT, sharing rooms with other processes through the adapter.
import { createServer } from 'node:http';
import { getRequestListener } from '@hono/node-server';
import { version } from '../core/version.ts';
import { configOrExit, onShutdown, openDatabase, openLimitStore } from '../boot.ts';
import { createMetricsApp, createOperations } from '../node-operations.ts';
import { createSfuRoomStore } from '../db/room-media.ts';
import { createClusterAdapter } from './adapters.ts';
import { startMediaServers } from './media-servers.ts';
import { createSignaling } from './server.ts';

const config = configOrExit();
const database = await openDatabase(config);
const ops = createOperations(config, database, 'signaling');
const limits = await openLimitStore(config, 'split', database, (err) => ops.logger.error({ err }, 'rate-limit store error'));
const cluster = await createClusterAdapter(config, 'split', (err) => ops.logger.error({ err }, 'socket adapter error'));
if (cluster.kind === 'memory') {
  ops.logger.warn('socket adapter memory: rooms are not shared with any other process');
}

// Socket.io answers /socket.io/ itself; everything else on this port is the metrics endpoint.
const metricsListener = getRequestListener(createMetricsApp(ops.metrics, config.METRICS_TOKEN).fetch);
const http = createServer((req, res) => {
  if (!req.url?.startsWith('/socket.io/')) void metricsListener(req, res);
});
// Janus servers run apart from split signaling processes (JANUS_URL); every process drives them, and the
// rooms' Janus placement and feeds are shared through the database.
const media = await startMediaServers(config, ops.logger, { manage: false, store: createSfuRoomStore(database.db) });
const signaling = createSignaling(http, { db: database.db, config, cluster, sfu: media.sfu, limitStore: limits.store, ...ops.signaling });
ops.metrics.setSources({ connectedSockets: () => signaling.io.engine.clientsCount, mediaServers: media.status });

http.listen(config.SIGNALING_PORT, config.HOST, () => {
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : config.SIGNALING_PORT;
  console.log(`podium signaling ${version}: listening on http://localhost:${port} (adapter: ${cluster.kind}, database: ${database.where}, rate limits in: ${limits.store.kind})`);
});

// Sockets see a transport close and reconnect to another process; their participants stay in the room.
onShutdown(async () => {
  await signaling.close();
  await media.close();
  await limits.close();
  await ops.close();
  await database.close();
});
