// The shipped Janus configuration starts the Debian janus with only the VideoRoom and the loopback WebSocket API.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { janusAnswers, janusRequest } from '../managed/janus.ts';
import { findOnPath, freePort } from '../managed/process.ts';
import { createManagedProcess, pollUntil } from '../managed/process.ts';

const SHIPPED = resolve(import.meta.dirname, 'janus');
const UNIT = resolve(import.meta.dirname, 'systemd/podium-janus.service');

describe('deploy/janus', () => {
  it('should start Janus with the VideoRoom only, its API on loopback behind the secret', async () => {
    const binary = findOnPath('janus');
    if (!binary) throw new Error('janus is not installed (apt-get install janus; .ci/run does it)');
    const dir = mkdtempSync(join(tmpdir(), 'podium-deploy-janus-'));
    const [ws, admin] = [await freePort(), await freePort()];
    try {
      // The operator's edits: the folder, the secrets, and (here) free ports.
      const edit = (file: string, replace: Array<[RegExp, string]>) => {
        let text = readFileSync(join(SHIPPED, file), 'utf8');
        for (const [from, to] of replace) text = text.replace(from, to);
        writeFileSync(join(dir, file), text);
      };
      edit('janus.jcfg', [
        [/"\/etc\/podium\/janus"/, JSON.stringify(dir)],
        [/CHANGE-ME-api-secret/, 'api-secret-for-the-test'],
        [/CHANGE-ME-admin-secret/, 'admin-secret-for-the-test'],
        [/"20000-40000"/, '"41000-41100"'],
      ]);
      edit('janus.transport.websockets.jcfg', [
        [/ws_port = 8188/, `ws_port = ${ws}`],
        [/admin_ws_port = 7188/, `admin_ws_port = ${admin}`],
      ]);
      copyFileSync(join(SHIPPED, 'janus.plugin.videoroom.jcfg'), join(dir, 'janus.plugin.videoroom.jcfg'));
      const url = `ws://127.0.0.1:${ws}`;
      const janus = createManagedProcess({
        name: 'janus',
        command: binary,
        args: ['--config', join(dir, 'janus.jcfg'), '--configs-folder', dir, '--disable-colors', '--log-stdout'],
        ready: (signal) => pollUntil(() => janusAnswers(url), signal, 100),
        stopSignal: 'SIGINT',
      });
      await janus.start();
      try {
        // `info` needs no secret; creating a session does.
        expect(await janusRequest(url, { janus: 'create', apisecret: 'a-wrong-secret' })).toMatchObject({ janus: 'error', error: { code: 403 } });
        expect(await janusRequest(url, { janus: 'create' })).toMatchObject({ janus: 'error', error: { code: 403 } });
        const info = await janusRequest(url, { janus: 'info' });
        expect(Object.keys(info.plugins ?? {})).toEqual(['janus.plugin.videoroom']);
        expect(Object.keys(info.transports ?? {})).toEqual(['janus.transport.websockets']);
        expect(await janusRequest(url, { janus: 'create', apisecret: 'api-secret-for-the-test' })).toMatchObject({ janus: 'success' });
      } finally {
        await janus.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should run the shipped configuration from its unit, with SIGINT as the stop', () => {
    const unit = readFileSync(UNIT, 'utf8');
    expect(unit).toContain('ExecStart=/usr/bin/janus --config /etc/podium/janus/janus.jcfg --configs-folder /etc/podium/janus');
    expect(unit).toContain('KillSignal=SIGINT');
    if (!existsSync('/usr/bin/systemd-analyze')) return;
    const result = spawnSync('/usr/bin/systemd-analyze', ['verify', '--man=no', UNIT], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
