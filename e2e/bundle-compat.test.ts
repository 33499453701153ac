// The built UI against the oldest browsers Podium serves (package.json "browserslist"): es-check, on the
// browserslist and MDN-derived feature tables it ships, fails on syntax or ECMAScript built-ins beyond them.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUiBuild, ROOT } from './harness.ts';

const run = promisify(execFile);
const browsers = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { browserslist: string[] }).browserslist;

/** es-check's verdict on the files: exit code and what it printed. */
async function esCheck(files: string): Promise<{ code: number; output: string }> {
  const bin = join(ROOT, 'node_modules', '.bin', 'es-check');
  try {
    const { stdout, stderr } = await run(bin, ['checkBrowser', files, '--module', '--checkFeatures', `--browserslistQuery=${browsers.join(', ')}`, '--noColor'], {
      cwd: ROOT,
    });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('the UI bundle on the oldest browsers listed', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'podium-compat-'));
  beforeAll(() => ensureUiBuild(), 120_000);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('should use no syntax or built-in beyond Chrome 90, Firefox 88 and Safari 14 in dist/', async () => {
    const verdict = await esCheck('./dist/assets/*.js');
    expect(verdict.output).not.toContain('Unsupported features');
    expect(verdict.code).toBe(0);
  }, 60_000);

  it('should fail a bundle that uses what those browsers lack (the check is not blind)', async () => {
    const file = join(scratch, 'newer.js');
    writeFileSync(file, 'export class A { #secret = 1; last(list) { return list.at(-1) ?? Object.hasOwn(list, 0); } }\n');
    const verdict = await esCheck(file);
    expect(verdict.code).not.toBe(0);
    expect(verdict.output).toMatch(/PrivateClassFields|ArrayPrototypeAt|ObjectHasOwn/);
  }, 60_000);

  it('should start the page by installing the fallbacks for newer Web APIs', () => {
    const entry = readFileSync(join(ROOT, 'dist', 'index.html'), 'utf8');
    const script = /src="\/assets\/(index-[^"]+\.js)"/.exec(entry)?.[1];
    expect(script).toBeDefined();
    const code = readFileSync(join(ROOT, 'dist', 'assets', script!), 'utf8');
    for (const name of ['structuredClone', 'randomUUID']) expect(code).toContain(name);
  });
});
