import { describe, expect, it } from 'vitest';
import { pbkdf2Passwords } from './pbkdf2.ts';

describe('pbkdf2Passwords', () => {
  const passwords = pbkdf2Passwords(1000);

  it('should verify the right password and refuse a wrong one', async () => {
    const hash = await passwords.hash('correct horse');
    expect(hash).toMatch(/^pbkdf2-sha256\$1000\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(hash).not.toContain('correct horse');
    expect(await passwords.verify('correct horse', hash)).toBe(true);
    expect(await passwords.verify('correct horsf', hash)).toBe(false);
    expect(await passwords.verify('', hash)).toBe(false);
  });

  it('should salt every hash', async () => {
    expect(await passwords.hash('same')).not.toBe(await passwords.hash('same'));
  });

  it.each(['', 'pbkdf2-sha256', 'pbkdf2-sha256$x$a$b', 'pbkdf2-sha256$0$AAAA$AAAA', 'pbkdf2-sha256$10$!!$??', '$2b$04$abcdefghijklmnopqrstuv'])(
    'should refuse a password against the malformed or foreign hash %j',
    async (stored) => {
      expect(await passwords.verify('anything', stored)).toBe(false);
    },
  );
});
