import { describe, expect, it } from 'vitest';
import { MIN_PASSWORD_LENGTH } from '../core/limits.ts';
import { newPassphrase } from './passphrase.ts';

describe('newPassphrase', () => {
  it('should make distinct passphrases of four readable groups, long enough for the password policy', () => {
    const made = new Set(Array.from({ length: 1000 }, () => newPassphrase()));
    expect(made.size).toBe(1000);
    for (const passphrase of made) {
      expect(passphrase).toMatch(/^[a-km-np-z2-9]{4}(-[a-km-np-z2-9]{4}){3}$/);
      expect(passphrase.length).toBeGreaterThanOrEqual(MIN_PASSWORD_LENGTH);
    }
  });
});
