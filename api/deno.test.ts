import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';
import { startProcess, type RunningProcess } from '../testing/processes.ts';

const DENO = new URL('../node_modules/.bin/deno', import.meta.url).pathname;
const ENTRY = new URL('./deno.ts', import.meta.url).pathname;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

interface Running {
  process: RunningProcess;
  base: string;
  passwords: string;
}

/** Starts api/deno.ts under Deno on a free port and waits for its JSON "listening" line. */
async function startDeno(permissions: string[]): Promise<Running> {
  const deno = startProcess(DENO, ['run', '--node-modules-dir=manual', ...permissions, ENTRY], {
    env: { PORT: '0', HOST: '127.0.0.1', RATE_LIMITS: 'off', DENO_NO_UPDATE_CHECK: '1', DATABASE_URL: database.url },
  });
  try {
    const [line] = await deno.waitFor(/^\{.*"msg":"listening".*\}$/m);
    const event = JSON.parse(line) as { port: number; passwords: string };
    return { process: deno, base: `http://127.0.0.1:${event.port}`, passwords: event.passwords };
  } catch (err) {
    await deno.kill();
    throw err;
  }
}

async function exercise(base: string) {
  const health = await fetch(`${base}/api/health`);
  expect(health.status).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', db: { ok: true } });

  const created = await fetch(`${base}/api/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Hello from Deno', presenterName: 'Ryan', password: 'dino-pass' }),
  });
  expect(created.status).toBe(201);
  const { slug } = (await created.json()) as { slug: string };
  const join = (password: string) =>
    fetch(`${base}/api/rooms/${slug}/join`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Dina', password }) });
  expect((await join('dino-pass')).status).toBe(201);
  expect((await join('wrong-pass')).status).toBe(401);
  const room = await fetch(`${base}/api/rooms/${slug}`);
  expect(((await room.json()) as { room: { title: string } }).room.title).toBe('Hello from Deno');
}

describe('the API under Deno', () => {
  it('should serve health and rooms with all permissions, loading the bcrypt addon', async () => {
    const deno = await startDeno(['-A']);
    try {
      expect(deno.passwords).toBe('bcrypt');
      await exercise(deno.base);
    } finally {
      await deno.process.stop();
    }
  }, 120_000);

  it('should serve health and rooms without FFI, hashing passwords with Web Crypto PBKDF2 instead', async () => {
    const deno = await startDeno(['--allow-net', '--allow-env', '--allow-read', '--allow-sys']);
    try {
      expect(deno.passwords).toBe('pbkdf2');
      await exercise(deno.base);
    } finally {
      await deno.process.stop();
    }
  }, 120_000);
});
