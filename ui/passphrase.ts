// Passphrases the start form offers for a room: random from getRandomValues, easy to read out and type.

/** 32 letters and digits with the look-alikes (0/o, 1/l) left out: five bits each, no modulo bias. */
const alphabet = 'abcdefghijkmnpqrstuvwxyz23456789';

/** Four groups of four, e.g. `k7qx-m2pz-8wrt-c4hb`: 80 random bits, far past what guessing can reach. */
export function newPassphrase(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  const symbols = Array.from(bytes, (byte) => alphabet[byte & 31]);
  return [0, 4, 8, 12].map((start) => symbols.slice(start, start + 4).join('')).join('-');
}
