// Which Socket.io adapter a process picks: an explicit setting, else what the deployment needs, never DATABASE_URL alone.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../core/config.ts';
import { adapterKind } from './adapters.ts';

const DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/podium';
const REDIS_URL = 'redis://127.0.0.1:6379';

describe('adapterKind', () => {
  it('should keep a process that is alone in memory even when DATABASE_URL or REDIS_URL is set', () => {
    expect(adapterKind(loadConfig({ DATABASE_URL }), 'alone')).toBe('memory');
    expect(adapterKind(loadConfig({ DATABASE_URL, REDIS_URL }), 'alone')).toBe('memory');
  });

  it('should give split processes Redis streams, else PostgreSQL, else memory', () => {
    expect(adapterKind(loadConfig({ DATABASE_URL, REDIS_URL }), 'split')).toBe('redis-streams');
    expect(adapterKind(loadConfig({ DATABASE_URL }), 'split')).toBe('postgres');
    expect(adapterKind(loadConfig({}), 'split')).toBe('memory');
  });

  it('should follow SOCKET_ADAPTER whatever the deployment', () => {
    expect(adapterKind(loadConfig({ DATABASE_URL, SOCKET_ADAPTER: 'postgres' }), 'alone')).toBe('postgres');
    expect(adapterKind(loadConfig({ REDIS_URL, SOCKET_ADAPTER: 'redis' }), 'alone')).toBe('redis-streams');
    expect(adapterKind(loadConfig({ DATABASE_URL, SOCKET_ADAPTER: 'memory' }), 'split')).toBe('memory');
  });

  it('should refuse a SOCKET_ADAPTER it cannot honour, naming the variable', () => {
    expect(() => loadConfig({ SOCKET_ADAPTER: 'postgres' })).toThrow('Invalid environment variable SOCKET_ADAPTER: postgres needs DATABASE_URL');
    expect(() => loadConfig({ SOCKET_ADAPTER: 'redis', DATABASE_URL })).toThrow('Invalid environment variable SOCKET_ADAPTER: redis needs REDIS_URL');
    expect(() => loadConfig({ SOCKET_ADAPTER: 'kafka' })).toThrow('Invalid environment variable SOCKET_ADAPTER: expected memory, postgres or redis');
  });
});
