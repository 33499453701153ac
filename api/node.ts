// The API-only Node process: REST under /api on PORT, reaching the signaling processes' sockets through the cluster adapter.
import type { Server as HttpServer } from 'node:http';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import { configOrExit, onShutdown, openDatabase, openLimitStore } from '../boot.ts';
import { deploymentCore, startJobs } from '../jobs.ts';
import { createOperations, drain } from '../node-operations.ts';
import { createRoomEmitter } from '../signaling/emitter.ts';
import { createApp } from './app.ts';
import { bcryptPasswords } from './bcrypt.ts';
import { version } from '../core/version.ts';

const config = configOrExit();
const database = await openDatabase(config);
const ops = createOperations(config, database, 'api');
const limits = await openLimitStore(config, 'split', database, (err) => ops.logger.error({ err }, 'rate-limit store error'));
const emitter = await createRoomEmitter(config, (err) => ops.logger.error({ err }, 'socket adapter error'));
if (emitter.kind === 'memory') {
  ops.logger.warn('socket adapter memory: REST writes reach no signaling process');
}
// podium_connected_sockets stays 0 here: this process holds no sockets, so a sum over processes stays right.

// Made here rather than inside the app so that shutdown can store the messages still queued.
const core = deploymentCore(config, database.db, { broadcaster: emitter.broadcaster, metrics: ops.metrics, logger: ops.logger });
const jobs = startJobs(config, database.db, ops.logger);
const app = createApp({
  config,
  database,
  core,
  passwords: bcryptPasswords(),
  version,
  broadcaster: emitter.broadcaster,
  clientIp: (c) => getConnInfo(c).remote.address,
  limitStore: limits.store,
  logger: ops.logger,
  metrics: ops.metrics,
  ...(ops.requestCounts ? { requestCounts: ops.requestCounts } : {}),
});

const server = serve({ fetch: app.fetch, port: config.PORT, hostname: config.HOST }, (info) => {
  console.log(`podium api ${version}: listening on http://localhost:${info.port} (database: ${database.where}, sockets via: ${emitter.kind}, rate limits in: ${limits.store.kind})`);
}) as HttpServer;

onShutdown(async () => {
  await drain(server);
  await jobs.stop();
  await core.close();
  await emitter.close();
  await limits.close();
  await ops.close();
  await database.close();
});
