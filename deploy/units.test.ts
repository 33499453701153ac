// The systemd units pass `systemd-analyze verify`, and the PM2 file, the units and nginx agree on entries, ports and stop timeouts.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DENIED_PEER_RANGES } from '../managed/coturn.ts';
import { requires } from '../testing/requires.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';
const units = {
  api: resolve(import.meta.dirname, 'systemd/podium-api.service'),
  signaling: resolve(import.meta.dirname, 'systemd/podium-signaling@.service'),
  coturn: resolve(import.meta.dirname, 'systemd/podium-coturn.service'),
  allInOne: resolve(import.meta.dirname, 'systemd/podium.service'),
};

interface PmApp {
  name: string;
  script: string;
  cwd: string;
  interpreter_args: string;
  kill_timeout: number;
  env: Record<string, string>;
}

/** The entries `npm run build` compiles into build/ (the `build:server` script's esbuild arguments). */
const buildEntries = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['build:server']!
  .split(' ')
  .filter((arg) => arg.endsWith('.ts'));

const ecosystem = createRequire(import.meta.url)('./ecosystem.config.cjs') as { apps: PmApp[] };

/** `Key=value` lines of a unit's [Service] section; Environment lines are split into variables. */
function serviceSection(path: string): { keys: Map<string, string>; env: Map<string, string> } {
  const text = readFileSync(path, 'utf8');
  const service = text.slice(text.indexOf('[Service]'), text.indexOf('[Install]'));
  const keys = new Map<string, string>();
  const env = new Map<string, string>();
  for (const line of service.split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (!match) continue;
    if (match[1] === 'Environment') for (const pair of match[2]!.split(/\s+/)) env.set(pair.split('=')[0]!, pair.split('=')[1]!);
    else keys.set(match[1]!, match[2]!);
  }
  return { keys, env };
}

const verifiable = await requires('systemd-analyze');

describe('systemd units', () => {
  it.runIf(verifiable)('should pass systemd-analyze verify, the template as an instance', () => {
    const dir = mkdtempSync(join(tmpdir(), 'podium-units-'));
    try {
      copyFileSync(units.api, join(dir, 'podium-api.service'));
      copyFileSync(units.signaling, join(dir, 'podium-signaling@3001.service'));
      copyFileSync(units.coturn, join(dir, 'podium-coturn.service'));
      copyFileSync(units.allInOne, join(dir, 'podium.service'));
      const verified = ['podium-api.service', 'podium-signaling@3001.service', 'podium-coturn.service', 'podium.service'].map((unit) => join(dir, unit));
      const result = spawnSync(SYSTEMD_ANALYZE, ['verify', '--man=no', ...verified], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should start the real entries and give the drain more time than it may take', () => {
    for (const [unit, entry, source] of [
      [units.api, 'build/api/node.js', 'api/node.ts'],
      [units.signaling, 'build/signaling/main.js', 'signaling/main.ts'],
      [units.allInOne, 'build/server.js', 'server.ts'],
    ] as const) {
      const { keys } = serviceSection(unit);
      // Compiled JavaScript run by node alone, from an entry `npm run build` compiles.
      expect(keys.get('ExecStart')).toBe(`/usr/bin/node ${entry}`);
      expect(buildEntries).toContain(source);
      expect(existsSync(join(ROOT, source))).toBe(true);
      expect(keys.get('KillSignal')).toBe('SIGTERM');
      expect(Number(keys.get('TimeoutStopSec'))).toBeGreaterThan(10);
      expect(keys.get('EnvironmentFile')).toBe('/etc/podium/podium.env');
    }
    expect(serviceSection(units.signaling).env.get('SIGNALING_PORT')).toBe('%i');
    // Behind nginx: loopback only, and X-Forwarded-For believed from nginx alone.
    for (const unit of [units.api, units.signaling]) {
      expect(serviceSection(unit).env.get('HOST')).toBe('127.0.0.1');
      expect(serviceSection(unit).env.get('TRUST_PROXY')).toBe('loopback');
    }
    // The all-in-one unit serves HTTPS itself: no proxy to trust, privileged ports through a capability.
    const allInOne = serviceSection(units.allInOne);
    expect(allInOne.env.get('TRUST_PROXY')).toBeUndefined();
    expect(allInOne.keys.get('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
    expect(allInOne.env.get('DATA_DIR')).toBe(`/var/lib/${allInOne.keys.get('StateDirectory')}`);
  });
});

describe('PM2 ecosystem', () => {
  it('should run one API and two signaling processes on distinct ports with the real entries', () => {
    expect(ecosystem.apps.map((a) => a.name)).toEqual(['podium-api', 'podium-signaling-3001', 'podium-signaling-3002']);
    for (const app of ecosystem.apps) {
      expect(app.script).toMatch(/^build\/.*\.js$/);
      expect(buildEntries).toContain(app.script.replace(/^build\//, '').replace(/\.js$/, '.ts'));
      expect(app.interpreter_args).not.toContain('tsx');
      expect(app.interpreter_args).toContain('--env-file=/etc/podium/podium.env');
      // PM2 kills after kill_timeout; the drain may take 10 s.
      expect(app.kill_timeout).toBeGreaterThan(10_000);
      expect(app.env.NODE_ENV).toBe('production');
    }
    const [api, ...signaling] = ecosystem.apps;
    expect(api!.script).toBe('build/api/node.js');
    for (const app of ecosystem.apps) expect([app.env.HOST, app.env.TRUST_PROXY]).toEqual(['127.0.0.1', 'loopback']);
    expect(signaling.map((s) => [s.script, s.env.SIGNALING_PORT])).toEqual([
      ['build/signaling/main.js', '3001'],
      ['build/signaling/main.js', '3002'],
    ]);
  });

  it('should use the ports nginx proxies to', () => {
    const site = readFileSync(resolve(import.meta.dirname, 'nginx/podium.conf'), 'utf8');
    const upstream = (name: string) => [...site.slice(site.indexOf(`upstream ${name}`)).split('}')[0]!.matchAll(/server 127\.0\.0\.1:(\d+);/g)].map((m) => m[1]);
    expect(upstream('podium_api')).toEqual([ecosystem.apps[0]!.env.PORT]);
    expect(upstream('podium_signaling')).toEqual(ecosystem.apps.slice(1).map((a) => a.env.SIGNALING_PORT));
  });
});

describe('coturn for a VPS', () => {
  const conf = readFileSync(resolve(import.meta.dirname, 'coturn/turnserver.conf'), 'utf8');
  const lines = new Set(conf.split('\n').filter((l) => l && !l.startsWith('#')));

  it('should listen on UDP/TCP 3478 and TLS 443, with shared-secret auth and the managed relay’s hardening', () => {
    for (const line of ['listening-port=3478', 'tls-listening-port=443', 'use-auth-secret', 'no-cli', 'no-multicast-peers', 'no-tlsv1', 'no-tlsv1_1']) {
      expect(lines.has(line), line).toBe(true);
    }
    expect([...lines].some((l) => l.startsWith('user-quota='))).toBe(true);
    expect([...lines].some((l) => l.startsWith('total-quota='))).toBe(true);
    for (const range of DENIED_PEER_RANGES) expect(lines.has(`denied-peer-ip=${range}`), range).toBe(true);
    expect(conf).not.toContain('allow-loopback-peers');
  });

  it('should run the config with the capability for port 443 and not as root', () => {
    const { keys } = serviceSection(units.coturn);
    expect(keys.get('ExecStart')).toContain('/usr/bin/turnserver -c /etc/podium/turnserver.conf');
    expect(keys.get('User')).toBe('turnserver');
    expect(keys.get('AmbientCapabilities')).toBe('CAP_NET_BIND_SERVICE');
  });
});
