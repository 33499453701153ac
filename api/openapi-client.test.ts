// The served OpenAPI document as clients meet it: stable operation ids, and types from a standard generator
// (openapi-typescript) that type-check against code written the way an integration would use them.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './testing.ts';

const run = promisify(execFile);

let t: TestApp;
let doc: { paths: Record<string, Record<string, { operationId?: string }>> };
beforeAll(async () => {
  t = await createTestApp();
  doc = (await (await t.call('GET', '/api/openapi.json')).json()) as typeof doc;
});
afterAll(() => t.close());

const operationIds = () => Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));

describe('operation ids', () => {
  it('should give every operation a unique camelCase operationId', () => {
    const ids = operationIds();
    expect(ids.length).toBeGreaterThanOrEqual(14);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('should keep the ids clients were generated with', () => {
    expect(operationIds()).toEqual(
      expect.arrayContaining([
        'createRoom',
        'getRoom',
        'joinRoom',
        'endRoom',
        'listMessages',
        'sendMessage',
        'listQuestions',
        'askQuestion',
        'voteQuestion',
        'unvoteQuestion',
        'answerQuestion',
        'pinQuestion',
        'getIceServers',
        'getHealth',
        'getAnalytics',
        'listLobby',
        'admitParticipant',
        'admitAll',
        'denyParticipant',
        'goLive',
        'getRoomCalendar',
      ]),
    );
  });
});

describe('generated client types', () => {
  it('should type-check a client written against the types generated from the served document', async () => {
    // A field with a default may be left out of a request; openapi-typescript reads defaults as always present unless told.
    const types = astToString(await openapiTS(doc as never, { defaultNonNullable: false }));
    const dir = await mkdtemp(join(tmpdir(), 'podium-openapi-'));
    try {
      await writeFile(join(dir, 'podium-api.ts'), types);
      const perOperation = operationIds()
        .map((id) => `type Op_${id} = operations['${id}'];\nexport type Use_${id} = Op_${id};`)
        .join('\n');
      await writeFile(
        join(dir, 'client.ts'),
        `import type { operations, paths } from './podium-api.ts';
${perOperation}
type Body<P extends keyof paths, M extends 'post' | 'put' | 'delete'> = paths[P][M] extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;
type Ok<O extends keyof operations, S extends keyof operations[O]['responses']> = operations[O]['responses'][S] extends { content: { 'application/json': infer R } } ? R : never;

export async function createRoom(base: string, body: Body<'/api/rooms', 'post'>): Promise<Ok<'createRoom', 201>> {
  const res = await fetch(base + '/api/rooms', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return (await res.json()) as Ok<'createRoom', 201>;
}
export async function demo(base: string): Promise<string> {
  const created = await createRoom(base, { title: 'Launch', presenterName: 'Ada', maxParticipants: 10 });
  const token: string = created.presenterToken;
  const ask: Body<'/api/rooms/{slug}/questions', 'post'> = { question: 'Why?' };
  // @ts-expect-error a title is required
  const wrong: Body<'/api/rooms', 'post'> = { presenterName: 'Ada' };
  // @ts-expect-error operations are named by their stable ids only
  type Missing = operations['postApiRooms'];
  return token + ask.question + String(wrong);
}
`,
      );
      await writeFile(
        join(dir, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            target: 'ES2022',
            module: 'ESNext',
            moduleResolution: 'Bundler',
            allowImportingTsExtensions: true,
            lib: ['ES2022', 'DOM'],
            types: [],
            skipLibCheck: true,
          },
          files: ['client.ts'],
        }),
      );
      const tsc = resolve('node_modules/typescript/bin/tsc');
      const result = await run(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')]).then(
        () => ({ ok: true, output: '' }),
        (err: { stdout?: string }) => ({ ok: false, output: err.stdout ?? String(err) }),
      );
      expect(result.output).toBe('');
      expect(result.ok).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
