// The project's own files (migrations, the UI build), found alike from the sources and from the compiled build/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The nearest directory at or above `from` that holds `relative`. A module's place differs between the source
 * tree (db/client.ts) and the bundles of `npm run build` (build/server.js), so paths are looked up, not assumed.
 */
export function projectPath(from: string, relative: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, relative))) return join(dir, relative);
    if (dirname(dir) === dir) throw new Error(`${relative} not found above ${from}`);
  }
}
