// Test support: Debian's pebble (an RFC 8555 CA for tests) with pebble-challtestsrv as its DNS, on free loopback ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../deploy/nginx-harness.ts';
import { createCertificateAuthority, issueServerCertificate } from './local-ca.ts';

export const PEBBLE = '/usr/bin/pebble';
export const CHALLTESTSRV = '/usr/bin/pebble-challtestsrv';

/** Whether pebble can run; outside CI a missing package skips with one line, in CI it fails. */
/** GET over HTTPS trusting only `ca`. */
export function fetchTrusting(url: string, ca: string): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((done, fail) => {
    const req = request(url, { ca }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', fail);
    req.end();
  });
}

export interface Pebble {
  directoryUrl: string;
  /** The CA of pebble's own HTTPS listener (what an ACME client must trust), as a file for NODE_EXTRA_CA_CERTS. */
  listenerCaFile: string;
  listenerCa: string;
  /** The root and intermediate pebble issues under (made fresh by every pebble run). */
  issuingRoot(): Promise<string>;
  issuingIntermediate(): Promise<string>;
  /** Answers A queries for `host` with `address` (others get 127.0.0.1). */
  addA(host: string, address: string): Promise<void>;
  stop(): Promise<void>;
}

export interface PebbleOptions {
  /** The port pebble's VA connects to for HTTP-01: the HTTP_PORT of the Podium under test. */
  httpPort: number;
  tlsPort: number;
  certificateValiditySeconds?: number;
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    child.once('exit', () => done());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 5000).unref();
  });
}

export async function startPebble(options: PebbleOptions): Promise<Pebble> {
  const dir = mkdtempSync(join(tmpdir(), 'podium-pebble-'));
  const ca = await createCertificateAuthority('Pebble listener test CA');
  const listener = await issueServerCertificate(ca, { dns: ['localhost'], ips: ['127.0.0.1'] }, 2);
  const files = { ca: join(dir, 'listener-ca.crt'), cert: join(dir, 'listener.crt'), key: join(dir, 'listener.key'), config: join(dir, 'pebble.json') };
  writeFileSync(files.ca, ca.cert);
  writeFileSync(files.cert, listener.cert);
  writeFileSync(files.key, listener.key);
  const [listen, management, dns, dnsManagement] = [await freePort(), await freePort(), await freePort(), await freePort()];
  writeFileSync(
    files.config,
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${listen}`,
        managementListenAddress: `127.0.0.1:${management}`,
        certificate: files.cert,
        privateKey: files.key,
        httpPort: options.httpPort,
        tlsPort: options.tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: false,
        ...(options.certificateValiditySeconds ? { certificateValidityPeriod: options.certificateValiditySeconds } : {}),
      },
    }),
  );
  const output: string[] = [];
  const run = (command: string, args: string[], env: NodeJS.ProcessEnv = {}) => {
    const child = spawn(command, args, { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    return child;
  };
  const challtestsrv = run(CHALLTESTSRV, [
    '-dns01', `127.0.0.1:${dns}`,
    '-http01', '',
    '-https01', '',
    '-tlsalpn01', '',
    '-management', `127.0.0.1:${dnsManagement}`,
    '-defaultIPv4', '127.0.0.1',
    '-defaultIPv6', '',
  ]);
  // No random sleeps before validation, no random nonce rejections: the flow is exercised, not pebble's chaos.
  const pebble = run(PEBBLE, ['-config', files.config, '-dnsserver', `127.0.0.1:${dns}`], { PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0' });
  const stop = async () => {
    await Promise.all([waitExit(pebble), waitExit(challtestsrv)]);
    rmSync(dir, { recursive: true, force: true });
  };
  const directoryUrl = `https://127.0.0.1:${listen}/dir`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    try {
      if ((await fetchTrusting(directoryUrl, ca.cert)).status === 200) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline || pebble.exitCode !== null || challtestsrv.exitCode !== null) {
      await stop();
      throw new Error(`pebble did not start:\n${output.join('')}`);
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  const managementGet = async (path: string) => (await fetchTrusting(`https://127.0.0.1:${management}${path}`, ca.cert)).body;
  return {
    directoryUrl,
    listenerCaFile: files.ca,
    listenerCa: ca.cert,
    issuingRoot: () => managementGet('/roots/0'),
    issuingIntermediate: () => managementGet('/intermediates/0'),
    async addA(host, address) {
      const body = JSON.stringify({ host: host.endsWith('.') ? host : `${host}.`, addresses: [address] });
      const response = await fetch(`http://127.0.0.1:${dnsManagement}/add-a`, { method: 'POST', body });
      if (!response.ok) throw new Error(`challtestsrv add-a: ${response.status}`);
    },
    stop,
  };
}
