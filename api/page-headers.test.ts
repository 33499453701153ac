// The security headers as a browser receives them: the UI pages (app shell, client-side routes, assets) and the API.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveUi } from '../serve-ui.ts';
import { createTestApp, type TestApp } from './testing.ts';

const PAGE_CSP = (hosts: string[]) =>
  [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${hosts.flatMap((h) => [`ws://${h}`, `wss://${h}`]).join(' ')}`,
    "img-src 'self' blob: data:",
    "media-src 'self' blob: data:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');

const PERMISSIONS =
  'camera=(self), microphone=(self), display-capture=(self), geolocation=(), payment=(), usb=(), serial=(), hid=(), midi=(), accelerometer=(), gyroscope=(), magnetometer=()';

const ui = mkdtempSync(join(tmpdir(), 'podium-ui-'));
let t: TestApp;
let local: TestApp;
beforeAll(async () => {
  mkdirSync(join(ui, 'assets'));
  writeFileSync(join(ui, 'index.html'), '<!doctype html><title>Podium</title><script type="module" src="/assets/app.js"></script>');
  writeFileSync(join(ui, 'assets', 'app.js'), 'export {};');
  t = await createTestApp();
  serveUi(t.app, ui, t.config);
  // HTTPS with a local CA, its socket on wss: under PUBLIC_URL's name.
  local = await createTestApp({ database: t.database, env: { TLS: 'local', PUBLIC_URL: 'https://podium.lan:8443' } });
  serveUi(local.app, ui, local.config);
});
afterAll(async () => {
  await local?.close();
  await t?.close();
  rmSync(ui, { recursive: true, force: true });
});

const headersOf = (res: Response) => Object.fromEntries([...res.headers].filter(([name]) => name !== 'date'));

describe('UI page headers', () => {
  it.each(['/', '/r/Xk3_9aQp2L', '/r/Xk3_9aQp2L/host', '/assets/app.js'])('should send the strict policy and its companions on %s', async (path) => {
    const res = await t.app.request(`http://podium.test${path}`);
    expect(res.status).toBe(200);
    expect(headersOf(res)).toMatchObject({
      'content-security-policy': PAGE_CSP(['podium.test']),
      'permissions-policy': PERMISSIONS,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
      'cross-origin-resource-policy': 'same-origin',
    });
    // HSTS is the HTTPS layer's to send (tls/serve.ts): plain HTTP and a local CA get none.
    expect(res.headers.get('strict-transport-security')).toBeNull();
  });

  it('should let the page open its socket on the host it was loaded from, and on PUBLIC_URL\'s', async () => {
    const res = await t.app.request('http://192.168.1.20:3000/r/Xk3_9aQp2L');
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP(['192.168.1.20:3000', 'podium.test']));
    const https = await local.app.request('https://podium.lan:8443/');
    expect(https.headers.get('content-security-policy')).toBe(PAGE_CSP(['podium.lan:8443']));
    expect(https.headers.get('strict-transport-security')).toBeNull();
  });

  it('should leave out of the policy a Host that is not only a host name and port', async () => {
    // URL parsing lets ; and quotes through in a host; in the policy they would start a directive of the sender's choosing.
    const res = await t.app.request("http://evil;script-src'unsafe-inline'/");
    expect(res.headers.get('content-security-policy')).toBe(PAGE_CSP(['podium.test']));
  });
});

describe('API headers', () => {
  it.each(['/api/health', '/api/rooms/nope-nope-nope', '/api/no-such-route'])('should send nosniff and no-referrer, and no page policy, on %s', async (path) => {
    const res = await t.app.request(`http://podium.test${path}`);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(headersOf(res)).toMatchObject({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cross-origin-resource-policy': 'same-origin' });
    expect(res.headers.get('content-security-policy')).toBeNull();
  });
});
