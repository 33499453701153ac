// Room passwords hashed with PBKDF2-SHA-256 from the Web Crypto API: for runtimes where the bcrypt addon cannot load.
import type { PasswordHasher } from './passwords.ts';

const PREFIX = 'pbkdf2-sha256';
const SALT_BYTES = 16;
const HASH_BITS = 256;

/**
 * Stored as `pbkdf2-sha256$<iterations>$<salt>$<hash>` (base64), so the cost can rise later without
 * breaking existing hashes. 600 000 iterations is OWASP's current advice for PBKDF2-SHA-256.
 */
export function pbkdf2Passwords(iterations = 600_000): PasswordHasher {
  return {
    async hash(password) {
      const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
      const hash = await derive(password, salt, iterations);
      return `${PREFIX}$${iterations}$${toBase64(salt)}$${toBase64(hash)}`;
    },
    async verify(password, stored) {
      const [prefix, rounds, salt, hash] = stored.split('$');
      const count = Number(rounds);
      if (prefix !== PREFIX || !Number.isInteger(count) || count < 1 || !salt || !hash) return false;
      const expected = fromBase64(hash);
      const actual = await derive(password, fromBase64(salt), count);
      return constantTimeEqual(actual, expected);
    },
  };
}

async function derive(password: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(password), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, HASH_BITS));
}

/** Compares every byte whatever the first difference, so the time taken says nothing about the hash. */
function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

function toBase64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  try {
    return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
  } catch {
    return new Uint8Array(0);
  }
}
