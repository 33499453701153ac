// The nginx site config: `nginx -t` passes, and a real nginx routes HTTPS, the API, websockets and cached assets.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, createServer, type Server as HttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import { io as connectClient } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const NGINX = '/usr/sbin/nginx';
const SITE = resolve(import.meta.dirname, 'nginx/podium.conf');
const HOST = 'podium.example.org';

const available = existsSync(NGINX);
if (!available) {
  if (process.env.CI === 'true') throw new Error(`${NGINX} is required in CI (apt-get install nginx)`);
  console.log(`nginx not found at ${NGINX}: skipping the nginx config tests`);
}

interface Harness {
  dir: string;
  cert: string;
  conf: string;
}

/** A temp prefix holding a self-signed certificate for the site's host name, standing in for Let's Encrypt's. */
function harness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'podium-nginx-'));
  // nginx workers drop to an unprivileged user when the master runs as root; they must read these files.
  chmodSync(dir, 0o755);
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`,
    '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem'),
  ], { stdio: 'ignore' });
  chmodSync(join(dir, 'privkey.pem'), 0o644);
  return { dir, cert: readFileSync(join(dir, 'fullchain.pem'), 'utf8'), conf: join(dir, 'nginx.conf') };
}

/** The site file with Let's Encrypt's paths (and, for a live run, ports and upstreams) pointed at the harness. */
function siteFor(h: Harness, live?: { http: number; https: number; api: number; signaling: number; root: string }): string {
  let site = readFileSync(SITE, 'utf8')
    .replaceAll(`/etc/letsencrypt/live/${HOST}/`, `${h.dir}/`)
    .replaceAll('/var/www/letsencrypt', join(h.dir, 'acme'));
  if (live) {
    site = site
      .replace(/^\s*listen \[::\]:.*$/gm, '')
      .replace(/listen 80;/, `listen 127.0.0.1:${live.http};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${live.https} ssl http2;`)
      .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${live.api};`)
      .replace('server 127.0.0.1:3001;', `server 127.0.0.1:${live.signaling};`)
      .replace('root /srv/podium/dist;', `root ${live.root};`);
  }
  return site;
}

/** The smallest nginx.conf around a site file, everything under the temp prefix. */
function writeMainConf(h: Harness, site: string): void {
  writeFileSync(join(h.dir, 'podium.conf'), site);
  writeFileSync(
    h.conf,
    `pid ${h.dir}/nginx.pid;
error_log ${h.dir}/error.log warn;
worker_processes 1;
events { worker_connections 64; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_body_temp_path ${h.dir}/client_body;
  proxy_temp_path ${h.dir}/proxy;
  fastcgi_temp_path ${h.dir}/fastcgi;
  uwsgi_temp_path ${h.dir}/uwsgi;
  scgi_temp_path ${h.dir}/scgi;
  include ${h.dir}/podium.conf;
}
`,
  );
}

const nginxArgs = (h: Harness) => ['-p', h.dir, '-c', h.conf, '-e', join(h.dir, 'error.log')];

async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  await new Promise((done) => server.close(done));
  return port;
}

async function waitFor(ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await ready())) {
    if (Date.now() > deadline) throw new Error(`nginx did not start within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(url: string, options: { ca?: string } = {}): Promise<Answer> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveAnswer, reject) => {
    const req = send(
      { host: '127.0.0.1', port: u.port, path: u.pathname + u.search, headers: { host: HOST }, servername: HOST, ca: options.ca },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe.runIf(available)('nginx site config', () => {
  it('should pass nginx -t with certificates in place of the Let\'s Encrypt ones', () => {
    const h = harness();
    try {
      writeMainConf(h, siteFor(h));
      const out = execFileSync(NGINX, ['-t', ...nginxArgs(h)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      expect(out).toBe('');
      expect(readFileSync(join(h.dir, 'error.log'), 'utf8')).not.toMatch(/\[emerg\]/);
    } finally {
      rmSync(h.dir, { recursive: true, force: true });
    }
  });

  describe('served by a running nginx', () => {
    const h = available ? harness() : ({} as Harness);
    const ports = { http: 0, https: 0, api: 0, signaling: 0 };
    let nginx: ChildProcess | undefined;
    let api: HttpServer;
    let signalingHttp: HttpServer;
    let signaling: SocketServer;

    beforeAll(async () => {
      const root = join(h.dir, 'dist');
      mkdirSync(join(root, 'assets'), { recursive: true });
      chmodSync(root, 0o755);
      chmodSync(join(root, 'assets'), 0o755);
      writeFileSync(join(root, 'index.html'), '<!doctype html><title>Podium</title>');
      writeFileSync(join(root, 'assets', 'index-3f2a9c1b.js'), 'console.log("podium")');

      // Stand-ins for the API and signaling processes that say which one answered and what they were told.
      api = createServer((req, res) => {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ upstream: 'api', url: req.url, forwardedFor: req.headers['x-forwarded-for'], proto: req.headers['x-forwarded-proto'] }));
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

      writeMainConf(h, siteFor(h, { ...ports, root }));
      nginx = spawn(NGINX, [...nginxArgs(h), '-g', 'daemon off; master_process on;'], { stdio: 'ignore' });
      // Ready once it answers on the HTTP port.
      await waitFor(async () => (await get(`http://127.0.0.1:${ports.http}/`).then((a) => a.status, () => 0)) === 301, 10_000);
    });

    afterAll(async () => {
      nginx?.kill('SIGTERM');
      if (nginx && nginx.exitCode === null) await new Promise((done) => nginx!.once('exit', done));
      await signaling?.close();
      await new Promise((done) => api?.close(done));
      rmSync(h.dir, { recursive: true, force: true });
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
      expect(JSON.parse(answer.body)).toEqual({ upstream: 'api', url: '/api/rooms/abcdefgh12', forwardedFor: '127.0.0.1', proto: 'https' });
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
