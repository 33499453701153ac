// Runs deploy/nginx/podium.conf for tests: a temp prefix, a self-signed certificate in place of Let's Encrypt's,
// and (for a live nginx) the site's ports, upstreams and root pointed at processes the test started.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../managed/process.ts';

export const NGINX = '/usr/sbin/nginx';
export const SITE = resolve(import.meta.dirname, 'nginx/podium.conf');
export const HOST = 'podium.example.org';

/**
 * Whether nginx is installed. Outside CI a missing nginx is reported in one line and its tests are
 * skipped; in CI it is a failure.
 */
export interface Harness {
  dir: string;
  /** The self-signed certificate (PEM), to trust as a CA in clients. */
  cert: string;
  conf: string;
  close(): void;
}

/** A temp prefix holding a self-signed certificate for the site's host name. */
export function createHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'podium-nginx-'));
  // nginx workers drop to an unprivileged user when the master runs as root; they must read these files.
  chmodSync(dir, 0o755);
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
      '-subj', `/CN=${HOST}`, '-addext', `subjectAltName=DNS:${HOST}`,
      '-keyout', join(dir, 'privkey.pem'), '-out', join(dir, 'fullchain.pem'),
    ],
    { stdio: 'ignore' },
  );
  chmodSync(join(dir, 'privkey.pem'), 0o644);
  return {
    dir,
    cert: readFileSync(join(dir, 'fullchain.pem'), 'utf8'),
    conf: join(dir, 'nginx.conf'),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface LiveTargets {
  http: number;
  https: number;
  api: number;
  signaling: number[];
  root: string;
}

/** The site file with Let's Encrypt's paths (and, for a live run, ports, upstreams and root) pointed at the harness. */
export function siteFor(h: Harness, live?: LiveTargets): string {
  let site = readFileSync(SITE, 'utf8')
    .replaceAll(`/etc/letsencrypt/live/${HOST}/`, `${h.dir}/`)
    .replaceAll('/var/www/letsencrypt', join(h.dir, 'acme'));
  if (live) {
    site = site
      .replace(/^\s*listen \[::\]:.*$/gm, '')
      .replace(/listen 80;/, `listen 127.0.0.1:${live.http};`)
      .replace(/listen 443 ssl http2;/, `listen 127.0.0.1:${live.https} ssl http2;`)
      .replace('server 127.0.0.1:3000;', `server 127.0.0.1:${live.api};`)
      .replace('server 127.0.0.1:3001;\n    server 127.0.0.1:3002;', live.signaling.map((port) => `server 127.0.0.1:${port};`).join('\n    '))
      .replace('root /srv/podium/dist;', `root ${live.root};`);
  }
  return site;
}

/** The smallest nginx.conf around a site file, everything under the temp prefix. */
export function writeMainConf(h: Harness, site: string): void {
  writeFileSync(join(h.dir, 'podium.conf'), site);
  writeFileSync(
    h.conf,
    `pid ${h.dir}/nginx.pid;
error_log ${h.dir}/error.log warn;
worker_processes 1;
events { worker_connections 256; }
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

export const nginxArgs = (h: Harness) => ['-p', h.dir, '-c', h.conf, '-e', join(h.dir, 'error.log')];

/** `nginx -t` on the harness; returns what nginx printed. Throws when the test fails. */
export function testConfig(h: Harness): string {
  return execFileSync(NGINX, ['-t', ...nginxArgs(h)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export { freePort };

/** A directory standing in for the UI build: an app shell and one hashed asset. */
export function fakeDist(h: Harness): string {
  const root = join(h.dir, 'dist');
  mkdirSync(join(root, 'assets'), { recursive: true });
  chmodSync(root, 0o755);
  chmodSync(join(root, 'assets'), 0o755);
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>Podium</title>');
  writeFileSync(join(root, 'assets', 'index-3f2a9c1b.js'), 'console.log("podium")');
  return root;
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with the site's Host header (and SNI), trusting `ca` for HTTPS. */
export function fetchVia(url: string, options: { ca?: string; method?: string; body?: string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolveAnswer, reject) => {
    const req = send(
      {
        host: '127.0.0.1',
        port: u.port,
        path: u.pathname + u.search,
        method: options.method ?? 'GET',
        headers: { host: HOST, ...options.headers },
        servername: HOST,
        ca: options.ca,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolveAnswer({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

export interface RunningNginx {
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts nginx in the foreground on the harness and resolves once it answers on `httpPort`. */
export async function startNginx(h: Harness, httpPort: number): Promise<RunningNginx> {
  const child = spawn(NGINX, [...nginxArgs(h), '-g', 'daemon off; master_process on;'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while ((await fetchVia(`http://127.0.0.1:${httpPort}/`).then((a) => a.status, () => 0)) !== 301) {
    if (Date.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`nginx did not start: ${existsSync(join(h.dir, 'error.log')) ? readFileSync(join(h.dir, 'error.log'), 'utf8') : ''}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  return {
    process: child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
