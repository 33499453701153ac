// The all-in-one process's listeners: plain HTTP on PORT, or HTTPS (ACME, own files, local CA) with HTTP redirecting to it.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import { tlsMode, type Config } from '../core/config.ts';
import { startAcme } from './acme.ts';
import { describeCertificate, readKeyPair, watchKeyPair } from './files.ts';
import { ensureLocalCertificates, machineNames, type KeyPair } from './local-ca.ts';
import { certificatePendingPage } from './status-page.ts';

type FetchCallback = Parameters<typeof getRequestListener>[0];

export interface Log {
  info(message: string): void;
  error(message: string): void;
}

export interface WebServer {
  /** The server the app (and Socket.io) answers on: HTTP in plain mode, HTTPS otherwise. */
  server: HttpServer | HttpsServer;
  /** The app's URL once it is served: at once for plain HTTP, own files and a local CA, at the first certificate for ACME. */
  listening: Promise<string>;
  /** Stops the HTTP redirect listener, renewals and file watches; the caller drains `server` itself. */
  close(): Promise<void>;
}

/** Where the local CA can be downloaded over plain HTTP, for devices that still have to trust it. */
export const LOCAL_CA_PATH = '/podium-local-ca.crt';
const HSTS = 'max-age=31536000';
const DAY_MS = 86_400_000;

/**
 * Starts the listeners for the mode the configuration asks for (see `tlsMode`). A port that cannot be bound stops
 * the process with one line saying why.
 */
/**
 * TLS_CERT/TLS_KEY read and matched, or the process stopped with one line: the all-in-one entry calls this before it
 * starts its database and managed programs, so a bad pair is refused before anything else runs.
 */
export function readCertificateFilesOrExit(config: Config): KeyPair | undefined {
  if (tlsMode(config) !== 'files') return undefined;
  try {
    return readKeyPair(config.TLS_CERT!, config.TLS_KEY!);
  } catch (err) {
    console.error(`podium: TLS_CERT/TLS_KEY: ${(err as Error).message}`);
    process.exit(1);
  }
}

/** `certificate`: the TLS_CERT/TLS_KEY pair the entry already read with readCertificateFilesOrExit. */
export async function serveApp(fetch: FetchCallback, config: Config, log: Log, certificate?: KeyPair): Promise<WebServer> {
  const mode = tlsMode(config);
  const listener = getRequestListener(fetch, { hostname: config.HOST });
  if (mode === 'off') {
    const server = createHttpServer(listener);
    const port = await listen(server, config.PORT, config.HOST, 'PORT');
    return { server, listening: Promise.resolve(`http://localhost:${port}`), close: async () => {} };
  }
  let onListening: (url: string) => void = () => {};
  const listening = new Promise<string>((done) => (onListening = done));

  // The certificate comes in through setSecureContext, at start and at every renewal: no restart.
  const https = createHttpsServer((request, response) => {
    if (mode !== 'local') response.setHeader('Strict-Transport-Security', HSTS);
    void listener(request, response);
  });
  const useCertificate = (pair: KeyPair) => https.setSecureContext({ cert: pair.cert, key: pair.key });
  const files = certificate ?? readCertificateFilesOrExit(config);
  if (files) useCertificate(files);
  const stops: Array<() => void> = [];
  let httpsPort = 0;
  let httpsStarted: Promise<void> | null = null;
  /** `announce` runs between binding and the "listening" line, so whatever it prints comes before that line. */
  const startHttps = (url: (port: number) => string, announce: (port: number) => void = () => {}) => {
    httpsStarted ??= listen(https, config.HTTPS_PORT, config.HOST, 'HTTPS_PORT').then((port) => {
      httpsPort = port;
      announce(port);
      onListening(url(port));
    });
    return httpsStarted;
  };
  const portSuffix = (port: number) => (port === 443 ? '' : `:${port}`);

  const challenges = new Map<string, string>();
  let localCa: string | null = null;
  let pending: { name: string; problem: string | null } | null = null;
  const redirectTarget = (request: IncomingMessage): string | null => {
    if (mode === 'acme') return new URL(config.PUBLIC_URL!).origin;
    const host = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d+)?$/i.exec(request.headers.host ?? '');
    return host ? `https://${host[1]}${portSuffix(httpsPort)}` : null;
  };
  const http = createHttpServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://podium').pathname;
    if (path.startsWith('/.well-known/acme-challenge/')) {
      const answer = challenges.get(path.slice('/.well-known/acme-challenge/'.length));
      response.writeHead(answer ? 200 : 404, { 'Content-Type': 'text/plain' }).end(answer ?? 'unknown challenge');
      return;
    }
    if (localCa && path === LOCAL_CA_PATH) {
      response
        .writeHead(200, { 'Content-Type': 'application/x-x509-ca-cert', 'Content-Disposition': 'attachment; filename="podium-local-ca.crt"' })
        .end(localCa);
      return;
    }
    if (pending) {
      const page = certificatePendingPage(pending.name, config.ACME_DIRECTORY_URL, pending.problem);
      response.writeHead(503, { 'Content-Type': 'text/html; charset=utf-8', 'Retry-After': '15', 'Cache-Control': 'no-store' }).end(page);
      return;
    }
    const target = redirectTarget(request);
    if (!target) {
      response.writeHead(400, { 'Content-Type': 'text/plain' }).end('missing or malformed Host header');
      return;
    }
    response.writeHead(301, { Location: `${target}${request.url ?? '/'}` }).end();
  });
  const httpPort = await listen(http, config.HTTP_PORT, config.HOST, 'HTTP_PORT');
  if (mode !== 'acme') console.log(`podium: HTTP port ${httpPort} redirects to HTTPS`);

  if (mode === 'files') {
    stops.push(
      watchKeyPair(
        config.TLS_CERT!,
        config.TLS_KEY!,
        (pair) => {
          useCertificate(pair);
          const cert = describeCertificate(pair.cert);
          log.info(`podium: TLS_CERT changed on disk; new connections get serial ${cert.serialNumber}, valid until ${cert.validTo.toISOString()}`);
        },
        (err) => log.error(`podium: TLS_CERT/TLS_KEY changed but cannot be used, still serving the previous certificate: ${err.message}`),
      ),
    );
    await startHttps((port) => `https://localhost${portSuffix(port)}`);
  }

  if (mode === 'local') {
    const dir = resolve(config.DATA_DIR, 'tls', 'local');
    const extraHost = config.PUBLIC_URL ? new URL(config.PUBLIC_URL).hostname : undefined;
    const refresh = async () => {
      const names = machineNames(extraHost);
      const local = await ensureLocalCertificates(dir, names);
      localCa = local.caCert;
      useCertificate(local);
      return { local, names };
    };
    const { local, names } = await refresh();
    // Bound to one address, that address is the only way in.
    const wildcard = config.HOST === '0.0.0.0' || config.HOST === '::';
    const reachable = wildcard ? names : { dns: [], ips: [config.HOST] };
    await startHttps(
      (port) => `https://localhost${portSuffix(port)}`,
      (port) => printLocalTrust(local.caPath, local.caCreated, reachable.dns, reachable.ips, port, httpPort),
    );
    // A new address (DHCP) or a certificate near its end is picked up without a restart.
    const daily = setInterval(() => void refresh().catch((err: unknown) => log.error(`podium: local certificate not renewed: ${String(err)}`)), DAY_MS);
    daily.unref();
    stops.push(() => clearInterval(daily));
  }

  if (mode === 'acme') {
    const name = new URL(config.PUBLIC_URL!).hostname;
    const directory = new URL(config.ACME_DIRECTORY_URL);
    pending = { name, problem: null };
    console.log(`podium: getting a certificate for ${name} from ${config.ACME_DIRECTORY_URL}; HTTP port ${config.HTTP_PORT} answers the CA and redirects to HTTPS`);
    const acme = startAcme({
      name,
      directoryUrl: config.ACME_DIRECTORY_URL,
      ...(config.ACME_EMAIL ? { email: config.ACME_EMAIL } : {}),
      // One directory per CA, so a switch from a staging CA never serves its certificates.
      dir: resolve(config.DATA_DIR, 'tls', 'acme', directory.host.replace(/[^a-z0-9.-]/gi, '_')),
      challenges,
      onCertificate(pair) {
        useCertificate(pair);
        pending = null;
        void startHttps(() => config.PUBLIC_URL!.replace(/\/+$/, ''));
      },
      onProblem(problem) {
        if (pending) pending.problem = problem;
      },
      log,
    });
    stops.push(() => acme.stop());
  }

  return {
    server: https,
    listening,
    async close() {
      for (const stop of stops) stop();
      await new Promise<void>((done) => {
        http.close(() => done());
        http.closeAllConnections();
      });
    },
  };
}

function printLocalTrust(caPath: string, created: boolean, dns: string[], ips: string[], httpsPort: number, httpPort: number): void {
  const suffix = httpsPort === 443 ? '' : `:${httpsPort}`;
  const urls = [...dns.filter((name) => name !== 'localhost'), ...ips.filter((ip) => ips.length === 1 || (!ip.startsWith('127.') && ip !== '::1'))]
    .map((host) => `https://${host.includes(':') ? `[${host}]` : host}${suffix}`)
    .join(', ');
  const lanIp = ips.find((ip) => ips.length === 1 || (!ip.startsWith('127.') && !ip.includes(':')));
  console.log(
    [
      `podium: HTTPS with a local certificate authority${created ? ' (made just now)' : ''}: ${caPath}`,
      `podium: on this network open ${urls || `https://localhost${suffix}`}`,
      'podium: browsers trust these pages once the CA is trusted on each device:',
      `podium:   Debian/Ubuntu: sudo cp ${caPath} /usr/local/share/ca-certificates/podium-local-ca.crt && sudo update-ca-certificates`,
      `podium:   macOS: sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain ${caPath}`,
      `podium:   Windows: certutil -addstore -f ROOT podium-local-ca.crt`,
      `podium:   Firefox: Settings > Privacy & Security > Certificates > View Certificates > Authorities > Import`,
      `podium:   phones and other devices: download http://${lanIp ?? '<this machine>'}${httpPort === 80 ? '' : `:${httpPort}`}${LOCAL_CA_PATH} and install it as a trusted CA`,
      'podium: without it, attendees can still accept the browser warning and join.',
    ].join('\n'),
  );
}

/** Binds or stops the process with one line: privileged ports and ports in use are the usual reasons. */
function listen(server: HttpServer | HttpsServer, port: number, host: string, variable: string): Promise<number> {
  return new Promise((done) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const reason =
        err.code === 'EACCES'
          ? `permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE; or set ${variable} above 1024)`
          : err.code === 'EADDRINUSE'
            ? 'the port is in use by another program'
            : err.message;
      console.error(`podium: cannot listen on ${host}:${port} (${variable}): ${reason}`);
      process.exit(1);
    });
    server.listen(port, host, () => done((server.address() as AddressInfo).port));
  });
}
