// The API under Deno: `deno run --node-modules-dir=manual -A api/deno.ts` serves the same app with Deno.serve.
import { createApp } from './app.ts';
import { silentBroadcaster } from '../core/broadcast.ts';
import { loadConfig } from '../core/config.ts';
import type { PasswordHasher } from './passwords.ts';
import { pbkdf2Passwords } from './pbkdf2.ts';
import { version } from '../core/version.ts';
import { createDatabase } from '../db/client.ts';

/** The part of Deno's runtime API this entry uses; declared here so the Node type check needs no Deno types. */
declare const Deno: {
  env: { toObject(): Record<string, string> };
  serve(
    options: { port: number; hostname: string; onListen(address: { hostname: string; port: number }): void },
    handler: (request: Request, info: { remoteAddr: { hostname: string } }) => Response | Promise<Response>,
  ): { finished: Promise<void> };
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
  exit(code: number): never;
};

/**
 * @node-rs/bcrypt is a Node-API addon: Deno loads it only with --allow-ffi, and hosted Deno not at all.
 * Without it, room passwords are hashed with PBKDF2 from Web Crypto instead (rooms created under the
 * other hasher then cannot be joined with a password here; see api/pbkdf2.ts).
 */
async function passwordHasher(): Promise<{ passwords: PasswordHasher; name: string }> {
  try {
    const { bcryptPasswords } = await import('./bcrypt.ts');
    const passwords = bcryptPasswords();
    await passwords.hash('probe');
    return { passwords, name: 'bcrypt' };
  } catch {
    return { passwords: pbkdf2Passwords(), name: 'pbkdf2' };
  }
}

const config = loadConfig(Deno.env.toObject());
// The embedded PostgreSQL is started by the Node entries; on Deno the API reaches a database that runs already.
if (!config.DATABASE_URL) {
  console.error('podium: api/deno.ts needs DATABASE_URL (a running PostgreSQL)');
  Deno.exit(1);
}
const database = await createDatabase({ url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX });
if (config.MIGRATE_ON_START) await database.migrate();
const { passwords, name: hasher } = await passwordHasher();
const app = createApp({ config, database, passwords, version, broadcaster: silentBroadcaster });

Deno.serve(
  {
    port: config.PORT,
    hostname: config.HOST,
    onListen: ({ hostname, port }) => console.log(JSON.stringify({ msg: 'listening', runtime: 'deno', hostname, port, passwords: hasher })),
  },
  // Deno passes the peer address as the second argument; the app's rate limits read it from there.
  (request, info) => app.fetch(request, info),
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  Deno.addSignalListener(signal, () => {
    database.close().finally(() => Deno.exit(0));
  });
}
