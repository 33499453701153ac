import { describe, expect, it } from 'vitest';
import { bcryptPasswords } from './bcrypt.ts';

describe('bcryptPasswords', () => {
  const passwords = bcryptPasswords(4);

  it('should verify the right password and refuse a wrong one', async () => {
    const hash = await passwords.hash('correct horse');
    expect(hash).toMatch(/^\$2b\$04\$/);
    expect(await passwords.verify('correct horse', hash)).toBe(true);
    expect(await passwords.verify('correct horsf', hash)).toBe(false);
  });

  it('should tell apart long passwords that differ only after bcrypt’s 72 bytes', async () => {
    const prefix = 'é'.repeat(36);
    const hash = await passwords.hash(`${prefix}one`);
    expect(await passwords.verify(`${prefix}one`, hash)).toBe(true);
    expect(await passwords.verify(`${prefix}two`, hash)).toBe(false);
    expect(await passwords.verify(prefix, hash)).toBe(false);
  });

  it('should refuse any password against a hash that is not bcrypt', async () => {
    await expect(passwords.verify('anything', 'pbkdf2-sha256$1$AAAA$AAAA')).resolves.toBe(false);
  });
});
