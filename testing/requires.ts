// The one prerequisite policy of the tests: what a test file needs from the machine is asked for with
// `await requires(...)`. Missing in CI (CI=true), that is a failure: .ci/run installs all of it. Missing
// elsewhere, the file's tests are skipped and one line says what to install.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { relative } from 'node:path';
import { NGINX } from '../deploy/nginx-harness.ts';
import { CHROMIUM_PATH } from '../e2e/chromium.ts';
import { findOnPath } from '../managed/process.ts';
import { CHALLTESTSRV, PEBBLE } from '../tls/testing.ts';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** What a test can need, with how to tell it is there and how to get it (the Debian package .ci/run installs). */
const prerequisites = {
  chromium: { install: 'chromium', present: () => existsSync(CHROMIUM_PATH) },
  firefox: { install: 'firefox-esr', present: () => existsSync(FIREFOX_PATH) },
  nginx: { install: 'nginx', present: () => existsSync(NGINX) },
  janus: { install: 'janus', present: () => findOnPath('janus') !== undefined },
  coturn: { install: 'coturn', present: () => findOnPath('turnserver') !== undefined && findOnPath('turnutils_uclient') !== undefined },
  pebble: { install: 'pebble', present: () => existsSync(PEBBLE) && existsSync(CHALLTESTSRV) },
  'systemd-analyze': { install: 'systemd', present: () => findOnPath('systemd-analyze') !== undefined },
  /** Network namespaces with NAT: root, iproute2 and nftables. */
  netns: {
    install: 'iproute2 nftables (as root)',
    present: () => process.getuid?.() === 0 && spawnSync('ip', ['-V']).status === 0 && spawnSync('nft', ['--version']).status === 0,
  },
  redis: { install: 'redis-server (running on 127.0.0.1:6379, or TEST_REDIS_URL)', present: () => answers(REDIS_URL) },
} satisfies Record<string, { install: string; present: () => boolean | Promise<boolean> }>;

export type Prerequisite = keyof typeof prerequisites;

/** Whether something listens at the URL's host and port. */
function answers(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * True when every prerequisite is there. In CI a missing one throws (the file fails); elsewhere it prints one
 * line naming the test file and what to install, and returns false for `describe.skipIf(!available)`.
 */
export async function requires(...needs: Prerequisite[]): Promise<boolean> {
  const missing: Prerequisite[] = [];
  for (const need of needs) if (!(await prerequisites[need].present())) missing.push(need);
  if (missing.length === 0) return true;
  const install = missing.map((need) => prerequisites[need].install).join(', ');
  if (process.env.CI === 'true') throw new Error(`required in CI but missing: ${missing.join(', ')} (install ${install}; .ci/run does)`);
  console.warn(`skipping ${callerFile() ?? 'these tests'}: missing ${missing.join(', ')} (install ${install})`);
  return false;
}

/** The test file that asked, for the skip line. */
function callerFile(): string | undefined {
  const line = new Error().stack?.split('\n').find((l) => l.includes('.test.ts'));
  const path = /\(?(?:file:\/\/)?(\/[^:)]+\.test\.ts)/.exec(line ?? '')?.[1];
  return path ? relative(process.cwd(), path) : undefined;
}
