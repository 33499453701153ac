// A real coturn with a shared secret, started the way Podium starts it: which credentials it takes and refuses.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../api/testing.ts';
import { turnCredentials } from '../api/turn.ts';
import { coturnSecret, startCoturn, type ManagedCoturn } from './coturn.ts';
import { findOnPath } from './process.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('coturn');

interface Allocation {
  ok: boolean;
  output: string;
}

/**
 * Allocates a relay with turnutils_uclient and sends a few packets from one allocation to another through it
 * (`-y`): exit code 0 only when the server accepted the credentials and relayed.
 */
function allocate(port: number, username: string, credential: string): Promise<Allocation> {
  return new Promise((resolve) => {
    execFile(
      'turnutils_uclient',
      ['-u', username, '-w', credential, '-p', String(port), '-n', '1', '-m', '1', '-y', '-c', '127.0.0.1'],
      { timeout: 20_000 },
      (err, stdout, stderr) => resolve({ ok: err === null, output: `${stdout}${stderr}` }),
    );
  });
}

describe.skipIf(!available)('coturn with Podium’s shared secret', () => {
  let dataDir: string;
  let coturn: ManagedCoturn;
  let app: TestApp;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'podium-coturn-'));
    coturn = await startCoturn({
      dataDir,
      port: 0,
      listeningIps: ['127.0.0.1'],
      relayIp: '127.0.0.1',
      // Both ends of the test's relay are on loopback; production refuses such peers (see the hardening test).
      allowPrivatePeers: true,
      relayPorts: [40000, 40999],
    });
    app = await createTestApp({
      env: { TURN_URLS: `turn:127.0.0.1:${coturn.port}`, TURN_SECRET: coturn.secret, TURN_TTL_SECONDS: '600' },
    });
  }, 30_000);

  afterAll(async () => {
    await coturn?.stop();
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function mintedFor(token: string, slug: string) {
    const res = await app.call('GET', `/api/rooms/${slug}/ice-servers`, { token });
    expect(res.status).toBe(200);
    const { iceServers } = (await res.json()) as { iceServers: Array<{ username?: string; credential?: string }> };
    const turn = iceServers.find((s) => s.username)!;
    return { username: turn.username!, credential: turn.credential! };
  }

  it('should accept the credentials Podium mints for an attendee and for the presenter', async () => {
    const room = await app.createRoom();
    const attendee = await app.join(room.slug);
    for (const token of [attendee.token, room.presenterToken]) {
      const { username, credential } = await mintedFor(token, room.slug);
      const result = await allocate(coturn.port, username, credential);
      expect(result.ok, result.output).toBe(true);
      expect(result.output).toMatch(/tot_recv_bytes ~ [1-9]/);
    }
  }, 60_000);

  it('should refuse a credential with a wrong HMAC and one that has expired', async () => {
    const room = await app.createRoom();
    const attendee = await app.join(room.slug);
    const { username, credential } = await mintedFor(attendee.token, room.slug);
    const forged = await allocate(coturn.port, username, `${credential.slice(0, -5)}AAAA=`);
    expect(forged.ok).toBe(false);
    expect(forged.output).toMatch(/Cannot complete Allocation/);
    // Signed with the right secret, but its expiry (in the username) has passed.
    const expired = await turnCredentials(
      { urls: [], secret: coturn.secret, ttlSeconds: 60, participantId: attendee.participantId },
      Date.now() - 2 * 60_000,
    );
    const late = await allocate(coturn.port, expired.username, expired.credential);
    expect(late.ok).toBe(false);
    expect(late.output).toMatch(/Cannot complete Allocation/);
  }, 60_000);

  it('should mint nothing for an ended room', async () => {
    const room = await app.createRoom();
    const attendee = await app.join(room.slug);
    expect((await app.call('DELETE', `/api/rooms/${room.slug}`, { token: room.presenterToken })).status).toBe(200);
    const res = await app.call('GET', `/api/rooms/${room.slug}/ice-servers`, { token: attendee.token });
    expect(res.status).toBe(401);
    expect(await res.text()).not.toContain('credential');
  });

  it('should keep its secret across restarts, readable by its owner only, and come back after being killed', async () => {
    expect(coturnSecret(dataDir)).toBe(coturn.secret);
    expect(statSync(join(dataDir, 'coturn', 'secret')).mode & 0o077).toBe(0);
    const first = coturn.process.pid!;
    process.kill(first, 'SIGKILL');
    await expect.poll(() => coturn.process.restarts, { timeout: 10_000 }).toBe(1);
    await coturn.process.whenReady();
    expect(coturn.process.pid).not.toBe(first);
    const room = await app.createRoom();
    const { username, credential } = await mintedFor(room.presenterToken, room.slug);
    const result = await allocate(coturn.port, username, credential);
    expect(result.ok, result.output).toBe(true);
  }, 60_000);
});

describe.skipIf(!available)('coturn hardening', () => {
  it('should write the hardening a public relay needs, and refuse to relay to loopback peers', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'podium-coturn-'));
    const coturn = await startCoturn({ dataDir, port: 0, listeningIps: ['127.0.0.1'], relayIp: '127.0.0.1', relayPorts: [41000, 41999] });
    try {
      const config = readFileSync(coturn.configPath, 'utf8');
      for (const line of ['use-auth-secret', 'no-cli', 'no-multicast-peers', 'user-quota=12', 'total-quota=1200', 'denied-peer-ip=10.0.0.0-10.255.255.255']) {
        expect(config).toContain(`${line}\n`);
      }
      expect(config).not.toContain('allow-loopback-peers');
      const { username, credential } = await turnCredentials({ urls: [], secret: coturn.secret, ttlSeconds: 600, participantId: 'p' });
      // The allocation works, but relaying to the other allocation on 127.0.0.1 is a loopback peer: refused.
      const result = await allocate(coturn.port, username, credential);
      expect(result.ok).toBe(false);
      expect(result.output).toMatch(/403 \(Forbidden IP\)/);
      expect(result.output).not.toMatch(/Cannot complete Allocation/);
    } finally {
      await coturn.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 60_000);
});
