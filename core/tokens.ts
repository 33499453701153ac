// Bearer tokens and slugs: random from the Web Crypto API, stored only as SHA-256 hashes.
const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function randomString(length: number): string {
  // 64 symbols: each byte's low six bits are uniform, so there is no modulo bias.
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  let out = '';
  for (const byte of bytes) out += alphabet[byte & 63];
  return out;
}

/** 43 symbols × 6 bits = 258 bits. */
export function newToken(): string {
  return randomString(43);
}

/** 10 symbols × 6 bits = 60 bits: unguessable for a link that is shared anyway, short enough to read out. */
export function newSlug(): string {
  return randomString(10);
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}
