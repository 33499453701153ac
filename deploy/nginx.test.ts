// The nginx site config: `nginx -t` passes, and a real nginx routes HTTPS, the API, websockets and cached assets.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type Server as HttpServer } from 'node:http';
import { join } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createHarness,
  fakeDist,
  fetchVia as get,
  freePort,
  HOST,
  siteFor,
  startNginx,
  testConfig,
  writeMainConf,
  type Harness,
  type RunningNginx,
} from './nginx-harness.ts';
import { Hono } from 'hono';
import { pageHeaders } from '../api/page-headers.ts';
import { loadConfig } from '../core/config.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('nginx');

describe.runIf(available)('nginx site config', () => {
  it('should pass nginx -t with certificates in place of the Let\'s Encrypt ones', () => {
    const h = createHarness();
    try {
      writeMainConf(h, siteFor(h));
      expect(testConfig(h)).toBe('');
      expect(readFileSync(join(h.dir, 'error.log'), 'utf8')).not.toMatch(/\[(emerg|warn)\]/);
    } finally {
      h.close();
    }
  });

  describe('served by a running nginx', () => {
    const h = available ? createHarness() : ({} as Harness);
    const ports = { http: 0, https: 0, api: 0, signaling: 0 };
    let nginx: RunningNginx | undefined;
    let api: HttpServer;
    let signalingHttp: HttpServer;
    let signaling: SocketServer;

    beforeAll(async () => {
      const root = fakeDist(h);

      // Stand-ins for the API and signaling processes that say which one answered and what they were told.
      api = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            upstream: 'api',
            url: req.url,
            forwardedFor: req.headers['x-forwarded-for'],
            proto: req.headers['x-forwarded-proto'],
            requestId: req.headers['x-request-id'],
          }),
        );
      });
      signalingHttp = createServer();
      signaling = new SocketServer(signalingHttp, { transports: ['websocket'] });
      signaling.on('connection', (socket) => socket.on('ping-upstream', (ack: (s: string) => void) => ack('signaling')));
      await new Promise<void>((done) => api.listen(0, '127.0.0.1', done));
      await new Promise<void>((done) => signalingHttp.listen(0, '127.0.0.1', done));
      ports.api = (api.address() as { port: number }).port;
      ports.signaling = (signalingHttp.address() as { port: number }).port;
      ports.http = await freePort();
      ports.https = await freePort();

      writeMainConf(h, siteFor(h, { ...ports, signaling: [ports.signaling], root }));
      nginx = await startNginx(h, ports.http);
    });

    afterAll(async () => {
      await nginx?.stop();
      await signaling?.close();
      await new Promise((done) => api?.close(done));
      h.close?.();
    });

    it('should redirect plain HTTP to HTTPS but leave the ACME challenge reachable', async () => {
      const redirect = await get(`http://127.0.0.1:${ports.http}/r/abcdefgh12?x=1`);
      expect(redirect.status).toBe(301);
      expect(redirect.headers.location).toBe(`https://${HOST}/r/abcdefgh12?x=1`);
      mkdirSync(join(h.dir, 'acme', '.well-known', 'acme-challenge'), { recursive: true });
      chmodSync(join(h.dir, 'acme'), 0o755);
      chmodSync(join(h.dir, 'acme', '.well-known'), 0o755);
      chmodSync(join(h.dir, 'acme', '.well-known', 'acme-challenge'), 0o755);
      writeFileSync(join(h.dir, 'acme', '.well-known', 'acme-challenge', 'token-123'), 'proof');
      const challenge = await get(`http://127.0.0.1:${ports.http}/.well-known/acme-challenge/token-123`);
      expect(challenge).toMatchObject({ status: 200, body: 'proof' });
    });

    it('should proxy /api and /metrics to the API with the client address overwritten, over verified TLS', async () => {
      const answer = await get(`https://127.0.0.1:${ports.https}/api/rooms/abcdefgh12`, { ca: h.cert });
      expect(answer.status).toBe(200);
      expect(answer.headers['strict-transport-security']).toBe('max-age=63072000');
      expect(JSON.parse(answer.body)).toEqual({
        upstream: 'api',
        url: '/api/rooms/abcdefgh12',
        forwardedFor: '127.0.0.1',
        proto: 'https',
        requestId: expect.stringMatching(/^[0-9a-f]{32}$/),
      });
      const metrics = await get(`https://127.0.0.1:${ports.https}/metrics`, { ca: h.cert });
      expect(JSON.parse(metrics.body)).toMatchObject({ upstream: 'api', url: '/metrics' });
    });

    it('should serve hashed assets with a year of immutable cache and the app shell for client routes with no-cache', async () => {
      const asset = await get(`https://127.0.0.1:${ports.https}/assets/index-3f2a9c1b.js`, { ca: h.cert });
      expect(asset.status).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(asset.headers['strict-transport-security']).toBe('max-age=63072000');
      expect((await get(`https://127.0.0.1:${ports.https}/assets/missing-0000.js`, { ca: h.cert })).status).toBe(404);
      const shell = await get(`https://127.0.0.1:${ports.https}/r/abcdefgh12/host`, { ca: h.cert });
      expect(shell.status).toBe(200);
      expect(shell.body).toContain('<title>Podium</title>');
      expect(shell.headers['cache-control']).toBe('no-cache');
      expect(asset.headers['x-content-type-options']).toBe('nosniff');
    });

    it('should send the pages the same security headers Podium sends when it serves them itself', async () => {
      // What api/page-headers.ts gives a page of this site served over HTTPS.
      const app = new Hono().use(pageHeaders(loadConfig({}))).get('*', (c) => c.text(''));
      const own = (await app.request(`https://${HOST}/r/abcdefgh12/host`)).headers;
      const shell = await get(`https://127.0.0.1:${ports.https}/r/abcdefgh12/host`, { ca: h.cert });
      for (const name of ['content-security-policy', 'permissions-policy', 'x-content-type-options', 'referrer-policy', 'x-frame-options', 'cross-origin-resource-policy']) {
        expect(shell.headers[name], name).toBe(own.get(name));
      }
    });

    it('should carry a Socket.io websocket through to signaling', async () => {
      const client = connectClient(`https://127.0.0.1:${ports.https}`, {
        transports: ['websocket'],
        extraHeaders: { host: HOST },
        // The certificate names podium.example.org, not 127.0.0.1; TLS verification is covered above.
        rejectUnauthorized: false,
        reconnection: false,
      });
      try {
        expect(await client.timeout(5000).emitWithAck('ping-upstream')).toBe('signaling');
      } finally {
        client.close();
      }
    });

    it('should refuse bodies over 64 KB before they reach the API', async () => {
      const status = await new Promise<number>((resolveStatus, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port: ports.https, path: '/api/rooms', method: 'POST', headers: { host: HOST, 'content-type': 'application/json' }, servername: HOST, ca: h.cert },
          (res) => {
            res.resume();
            resolveStatus(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end('x'.repeat(65 * 1024));
      });
      expect(status).toBe(413);
    });
  });
});
