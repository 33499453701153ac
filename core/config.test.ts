import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, tlsMode } from './config.ts';

const mode = (env: Record<string, string>) => tlsMode(loadConfig(env));
const refusal = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('accepted');
};

describe('TLS settings', () => {
  it('should pick how HTTPS is served from PUBLIC_URL, the files and TRUST_PROXY', () => {
    expect(mode({})).toBe('off');
    expect(mode({ PUBLIC_URL: 'http://podium.example.org' })).toBe('off');
    expect(mode({ PUBLIC_URL: 'https://podium.example.org' })).toBe('acme');
    // Behind nginx the proxy terminates TLS, as before.
    expect(mode({ PUBLIC_URL: 'https://podium.example.org', TRUST_PROXY: 'loopback' })).toBe('off');
    // No CA certifies these names; HTTPS for them is TLS=local or own files.
    expect(mode({ PUBLIC_URL: 'https://192.168.1.20' })).toBe('off');
    expect(mode({ PUBLIC_URL: 'https://podium.local' })).toBe('off');
    expect(mode({ PUBLIC_URL: 'https://localhost:3000' })).toBe('off');
    expect(mode({ TLS_CERT: '/etc/ssl/podium.crt', TLS_KEY: '/etc/ssl/podium.key' })).toBe('files');
    expect(mode({ TLS: 'local' })).toBe('local');
    expect(mode({ TLS: 'off', PUBLIC_URL: 'https://podium.example.org' })).toBe('off');
  });

  it('should refuse contradictory settings with one line naming the variable', () => {
    expect(refusal({ TLS_CERT: '/c.pem' })).toBe('Invalid environment variable TLS_KEY: required when TLS_CERT is set');
    expect(refusal({ TLS_KEY: '/k.pem' })).toBe('Invalid environment variable TLS_CERT: required when TLS_KEY is set');
    expect(refusal({ TLS: 'local', TLS_CERT: '/c.pem', TLS_KEY: '/k.pem' })).toBe('Invalid environment variable TLS_CERT: cannot be combined with TLS=local');
    expect(refusal({ TLS: 'acme' })).toMatch(/^Invalid environment variable PUBLIC_URL: TLS=acme needs the https:\/\/ URL/);
    expect(refusal({ TLS: 'acme', PUBLIC_URL: 'https://10.0.0.5' })).toMatch(/^Invalid environment variable PUBLIC_URL: an ACME CA certifies a public DNS name, not 10\.0\.0\.5/);
    expect(refusal({ TLS: 'local', PUBLIC_URL: 'http://podium.lan' })).toBe('Invalid environment variable PUBLIC_URL: must start with https:// when Podium serves HTTPS');
    expect(refusal({ TLS: 'local', TRUST_PROXY: 'loopback' })).toMatch(/^Invalid environment variable TRUST_PROXY: means a proxy in front terminates TLS/);
    expect(refusal({ TLS: 'local', HTTP_PORT: '8443', HTTPS_PORT: '8443' })).toBe('Invalid environment variable HTTP_PORT: must differ from HTTPS_PORT');
    expect(refusal({ PUBLIC_URL: 'https://podium.example.org', HTTP_PORT: '0' })).toMatch(/^Invalid environment variable HTTP_PORT: ACME validation needs a fixed HTTP port/);
    expect(refusal({ TLS: 'sometimes' })).toBe('Invalid environment variable TLS: expected auto, acme, local or off');
    expect(refusal({ ACME_DIRECTORY_URL: 'http://ca.example/dir' })).toBe('Invalid environment variable ACME_DIRECTORY_URL: expected the https:// URL of an ACME directory');
    expect(refusal({ ACME_EMAIL: 'not an address' })).toBe('Invalid environment variable ACME_EMAIL: expected an email address');
    expect(refusal({ HTTPS_PORT: '70000' })).toMatch(/^Invalid environment variable HTTPS_PORT:/);
  });
});

describe('room lifetimes', () => {
  it('should default to 30 idle minutes and 24 hours, and name a bad value', () => {
    const config = loadConfig({});
    expect([config.ROOM_IDLE_END_MINUTES, config.ROOM_MAX_HOURS]).toEqual([30, 24]);
    expect(loadConfig({ ROOM_IDLE_END_MINUTES: '5', ROOM_MAX_HOURS: '2' })).toMatchObject({ ROOM_IDLE_END_MINUTES: 5, ROOM_MAX_HOURS: 2 });
    expect(refusal({ ROOM_IDLE_END_MINUTES: 'soon' })).toBe('Invalid environment variable ROOM_IDLE_END_MINUTES: expected a whole number of minutes');
    expect(refusal({ ROOM_IDLE_END_MINUTES: '0' })).toBe('Invalid environment variable ROOM_IDLE_END_MINUTES: expected at least 1 minute');
    expect(refusal({ ROOM_MAX_HOURS: '1.5' })).toBe('Invalid environment variable ROOM_MAX_HOURS: expected a whole number of hours');
    expect(refusal({ ROOM_MAX_HOURS: '1000' })).toBe('Invalid environment variable ROOM_MAX_HOURS: expected at most 720 hours (30 days)');
  });
});
