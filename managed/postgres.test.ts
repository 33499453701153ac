// The embedded PostgreSQL on a real machine: created, reused, recovered after a crash, and refused when too new.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, postgresClient } from '../db/client.ts';
import { createRoom, findRoomBySlug } from '../db/rooms.ts';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedPostgres } from './postgres.ts';

const root = resolve(import.meta.dirname, '..');
const isRoot = process.getuid?.() === 0;
const dirs: string[] = [];
const users: string[] = [];

/** A DATA_DIR that PostgreSQL's own user can enter too (as root it is not Podium's user). */
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'podium-embedded-'));
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return join(dir, 'data');
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  for (const user of users) execFileSync('userdel', [user]);
});

/** Every file under `dir` with its mode and a digest of its bytes. */
function snapshot(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => {
      const path = join(e.parentPath, e.name);
      return `${path} ${statSync(path).mode.toString(8)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}`;
    })
    .sort();
}

async function roomSlugs(url: string): Promise<string[]> {
  const database = await createDatabase({ url, poolMax: 1 });
  try {
    const rows = (await database.db.execute('select slug from rooms order by slug')) as unknown as { slug: string }[];
    return rows.map((r) => r.slug);
  } finally {
    await database.close();
  }
}

describe('startEmbeddedPostgres', () => {
  it('should create the cluster on first start and reuse it, with its data, on the second', async () => {
    const dir = dataDir();
    // As root the server runs as an unprivileged system user, created when missing: here one of the test's own.
    const systemUser = isRoot ? `podium-t${Math.random().toString(36).slice(2, 8)}` : undefined;
    if (systemUser) users.push(systemUser);
    const first = await startEmbeddedPostgres({ dataDir: dir, systemUser });
    let slug: string;
    try {
      expect(first.version).toMatch(/^18\.\d+$/);
      expect(first.timings.initdbMs).toBeGreaterThan(0);
      expect(readFileSync(join(dir, 'postgres', 'PG_VERSION'), 'utf8').trim()).toBe('18');
      const password = statSync(join(dir, 'postgres.password'));
      expect(password.mode & 0o777).toBe(0o600);
      expect(password.uid).toBe(process.getuid!());
      if (systemUser) {
        const uid = Number(execFileSync('id', ['-u', systemUser], { encoding: 'utf8' }).trim());
        expect(statSync(join(dir, 'postgres')).uid).toBe(uid);
      }
      // Reached through the Unix socket in the data directory; nothing listens on the network.
      expect(new URL(first.url).searchParams.get('host')).toBe(join(dir, 'postgres'));
      const sql = postgresClient(first.url, { max: 1, onnotice: () => {} });
      const [settings] = await sql`select current_setting('listen_addresses') as listen, current_setting('server_encoding') as encoding`;
      await sql.end();
      expect(settings).toEqual({ listen: '', encoding: 'UTF8' });
      const database = await createDatabase({ url: first.url, poolMax: 2 });
      await database.migrate();
      slug = 'keptacross';
      await createRoom(database.db, { slug, title: 'Kept', presenterName: 'Ada', passwordHash: null, maxParticipants: 10, settings: {}, presenterTokenHash: 'a'.repeat(64) });
      await database.close();
    } finally {
      await first.stop();
    }
    expect(first.server.healthy).toBe(false);

    const second = await startEmbeddedPostgres({ dataDir: dir, systemUser });
    try {
      expect(second.timings.initdbMs).toBe(0);
      expect(second.url).toBe(first.url);
      const database = await createDatabase({ url: second.url, poolMax: 2 });
      expect((await findRoomBySlug(database.db, slug))?.title).toBe('Kept');
      await database.close();
    } finally {
      await second.stop();
    }
  });

  it('should restart PostgreSQL after a SIGKILL, and queries on the same pool work again', async () => {
    const embedded: EmbeddedPostgres = await startEmbeddedPostgres({ dataDir: dataDir(), restartDelayMs: 100 });
    const database = await createDatabase({ url: embedded.url, poolMax: 2 });
    try {
      await database.migrate();
      await database.ping();
      const first = embedded.server.pid!;
      process.kill(first, 'SIGKILL');
      await expect.poll(() => embedded.server.restarts, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
      await embedded.server.whenReady();
      expect(embedded.server.pid).not.toBe(first);
      // The pool's connections died with the server; the next query opens new ones.
      await expect.poll(() => database.ping().then(() => true, () => false), { timeout: 10_000 }).toBe(true);
      expect(await roomSlugs(embedded.url)).toEqual([]);
    } finally {
      await database.close();
      await embedded.stop();
    }
  });

  it('should refuse a data directory from a newer major version with the pg_upgrade path, and leave it untouched', async () => {
    const dir = dataDir();
    const made = await startEmbeddedPostgres({ dataDir: dir });
    await made.stop();
    writeFileSync(join(dir, 'postgres', 'PG_VERSION'), '19\n');
    const before = snapshot(dir);
    const refused = await startEmbeddedPostgres({ dataDir: dir }).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(EmbeddedPostgresError);
    const message = (refused as Error).message;
    expect(message).toContain('created by PostgreSQL 19 and this Podium bundles PostgreSQL 18; nothing was changed');
    expect(message).toContain('pg_upgrade --old-datadir');
    expect(message).not.toContain('\n');
    expect(snapshot(dir)).toEqual(before);
  });

  it('should refuse a directory that is not a cluster, and the files an earlier PGlite left, without touching them', async () => {
    const dir = dataDir();
    mkdirSync(join(dir, 'postgres'), { recursive: true });
    writeFileSync(join(dir, 'postgres', 'notes.txt'), 'mine');
    await expect(startEmbeddedPostgres({ dataDir: dir })).rejects.toThrow(/is not empty and is not a PostgreSQL data directory/);
    expect(readdirSync(join(dir, 'postgres'))).toEqual(['notes.txt']);

    const pglite = dataDir();
    mkdirSync(pglite);
    writeFileSync(join(pglite, 'PG_VERSION'), '17\n');
    await expect(startEmbeddedPostgres({ dataDir: pglite })).rejects.toThrow(/earlier embedded database \(PGlite\)/);
    expect(readdirSync(pglite)).toEqual(['PG_VERSION']);

    if (isRoot) {
      // A DATA_DIR under a directory only root may enter (as under /root): said before initdb is tried.
      const closed = mkdtempSync(join(tmpdir(), 'podium-embedded-closed-'));
      dirs.push(closed);
      await expect(startEmbeddedPostgres({ dataDir: join(closed, 'data') })).rejects.toThrow(
        /refuses to run as root, so it runs as the system user postgres, who cannot reach .*podium-embedded-closed-.*\/data: make every directory above it enterable/,
      );
      expect(readdirSync(closed)).toEqual(['data']);
      expect(readdirSync(join(closed, 'data'))).toEqual([]);
    }
  });

  it('should create, reuse and recover the cluster for an ordinary user too', async () => {
    const dir = dataDir();
    // As root, the same steps run in a process of the unprivileged `nobody`, which owns the data directory.
    const account = isRoot ? { uid: Number(execFileSync('id', ['-u', 'nobody'], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', 'nobody'], { encoding: 'utf8' })) } : undefined;
    const script = join(dir, '..', 'ordinary.mts');
    writeFileSync(
      script,
      `import { startEmbeddedPostgres } from ${JSON.stringify(join(root, 'managed/postgres.ts'))};
import { postgresClient } from ${JSON.stringify(join(root, 'db/client.ts'))};
const dir = process.argv[2];
// The supervisor's restart timer does not hold the process open by itself; Podium's server does.
const running = setInterval(() => {}, 1000);
const report = [];
for (const round of [1, 2]) {
  const pg = await startEmbeddedPostgres({ dataDir: dir, restartDelayMs: 100 });
  const sql = postgresClient(pg.url, { max: 1, onnotice: () => {} });
  if (round === 1) await sql\`create table kept (n int)\`;
  await sql\`insert into kept values (\${round})\`;
  if (round === 2) {
    process.kill(pg.server.pid, 'SIGKILL');
    while (pg.server.restarts === 0) await new Promise((r) => setTimeout(r, 20));
    await pg.server.whenReady();
  }
  const rows = await sql\`select n from kept order by n\`;
  const [{ user }] = await sql\`select current_user as user\`;
  await sql.end();
  await pg.stop();
  report.push({ initdb: pg.timings.initdbMs > 0, rows: rows.map((r) => r.n), user, restarts: pg.server.restarts });
}
clearInterval(running);
console.log(JSON.stringify({ uid: process.getuid(), report }));
`,
    );
    const home = join(dir, '..', 'home');
    mkdirSync(dir);
    mkdirSync(home);
    if (account) {
      chownSync(dir, account.uid, account.gid);
      chownSync(home, account.uid, account.gid);
    }
    const child = spawn(process.execPath, ['--import', join(root, 'node_modules/tsx/dist/esm/index.mjs'), script, dir], {
      env: { PATH: process.env.PATH, HOME: home, TMPDIR: home },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...account,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((done) => child.once('exit', done));
    expect(code, output).toBe(0);
    const result = JSON.parse(output.trim().split('\n').at(-1)!) as { uid: number; report: unknown[] };
    expect(result.uid).toBe(account?.uid ?? process.getuid!());
    expect(result.report).toEqual([
      { initdb: true, rows: [1], user: 'podium', restarts: 0 },
      { initdb: false, rows: [1, 2], user: 'podium', restarts: 1 },
    ]);
  }, 60_000);
});
