import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensureLocalCertificates, machineNames } from './local-ca.ts';

describe('local certificate authority', () => {
  const dir = mkdtempSync(join(tmpdir(), 'podium-local-ca-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('should make the CA once, sign a server certificate for the names, and keep both across starts', async () => {
    const names = { dns: ['podium-box', 'podium-box.local', 'localhost'], ips: ['127.0.0.1', '192.168.1.20', '::1'] };
    const first = await ensureLocalCertificates(dir, names);
    expect(first.caCreated).toBe(true);
    const ca = new X509Certificate(first.caCert);
    const server = new X509Certificate(first.cert);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    for (const name of names.dns) expect(server.checkHost(name)).toBe(name);
    for (const ip of names.ips) expect(server.checkIP(ip)).toBe(ip);
    expect(server.checkHost('elsewhere.example')).toBeUndefined();
    expect(server.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    for (const file of readdirSync(dir)) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const again = await ensureLocalCertificates(dir, names);
    expect(again.caCreated).toBe(false);
    expect(again.caCert).toBe(first.caCert);
    expect(again.cert).toBe(first.cert);
  });

  it('should sign a new server certificate under the same CA when an address changes', async () => {
    const before = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: ['127.0.0.1'] });
    const after = await ensureLocalCertificates(dir, { dns: ['localhost'], ips: ['127.0.0.1', '10.0.0.7'] });
    expect(after.caCert).toBe(before.caCert);
    expect(after.cert).not.toBe(before.cert);
    expect(new X509Certificate(after.cert).checkIP('10.0.0.7')).toBe('10.0.0.7');
  });

  it("should name this machine's host name, mDNS name and addresses", () => {
    const names = machineNames('podium.example.org');
    expect(names.dns).toContain('localhost');
    expect(names.dns.some((n) => n.endsWith('.local'))).toBe(true);
    expect(names.dns).toContain('podium.example.org');
    expect(names.ips).toContain('127.0.0.1');
    expect(names.ips.every((ip) => !ip.toLowerCase().startsWith('fe80:'))).toBe(true);
  });
});
