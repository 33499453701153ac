import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing.ts';

const DENO = new URL('../node_modules/.bin/deno', import.meta.url).pathname;
const ENTRY = new URL('./deno.ts', import.meta.url).pathname;

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.destroy());

interface Running {
  child: ChildProcess;
  base: string;
  passwords: string;
}

/** Starts api/deno.ts under Deno on a free port and waits for its "listening" line. */
function startDeno(permissions: string[]): Promise<Running> {
  const child = spawn(DENO, ['run', '--node-modules-dir=manual', ...permissions, ENTRY], {
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      RATE_LIMITS: 'off',
      DENO_NO_UPDATE_CHECK: '1',
      DATABASE_URL: database.url,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      if (!line.startsWith('{')) return;
      const event = JSON.parse(line) as { msg: string; port: number; passwords: string };
      if (event.msg === 'listening') resolve({ child, base: `http://127.0.0.1:${event.port}`, passwords: event.passwords });
    });
    child.on('exit', (code) => reject(new Error(`deno exited with ${code} before listening: ${stderr}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  await exited;
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
      await stop(deno.child);
    }
  }, 120_000);

  it('should serve health and rooms without FFI, hashing passwords with Web Crypto PBKDF2 instead', async () => {
    const deno = await startDeno(['--allow-net', '--allow-env', '--allow-read', '--allow-sys']);
    try {
      expect(deno.passwords).toBe('pbkdf2');
      await exercise(deno.base);
    } finally {
      await stop(deno.child);
    }
  }, 120_000);
});
