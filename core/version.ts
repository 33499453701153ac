// The running version, from package.json (a JSON import, so it loads under Node and Deno alike).
import pkg from '../package.json' with { type: 'json' };

export const version: string = pkg.version;
