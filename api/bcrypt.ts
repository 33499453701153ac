// bcrypt through @node-rs/bcrypt: a native addon whose async calls run on libuv's pool, off the event loop.
import { compare, hash } from '@node-rs/bcrypt';
import type { PasswordHasher } from './passwords.ts';

export function bcryptPasswords(cost = 10): PasswordHasher {
  return {
    hash: (password) => hash(password, cost),
    verify: (password, digest) => compare(password, digest),
  };
}
