// bcrypt through @node-rs/bcrypt: a native addon whose async calls run on libuv's pool, off the event loop.
import { compare, hash } from '@node-rs/bcrypt';
import type { PasswordHasher } from './passwords.ts';

/**
 * bcrypt reads only the first 72 bytes of its input, and a room password may be 128 characters of up to
 * 4 bytes each; hashing it with SHA-256 first (44 base64 characters) makes every character count.
 */
async function digest(password: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(password)));
  return btoa(String.fromCharCode(...bytes));
}

export function bcryptPasswords(cost = 10): PasswordHasher {
  return {
    hash: async (password) => hash(await digest(password), cost),
    verify: async (password, stored) => compare(await digest(password), stored),
  };
}
