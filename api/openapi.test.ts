import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './testing.ts';

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

type Operation = {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
  parameters?: { name: string; in: string }[];
};
type Document = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown>; required?: string[] }>; securitySchemes: Record<string, unknown> };
};

async function document(): Promise<Document> {
  const res = await t.call('GET', '/api/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Document;
}

describe('GET /api/openapi.json', () => {
  it('should describe every endpoint in OpenAPI 3.1', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Podium API', version: '0.0.0-test' });
    const operations = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /api/rooms',
        'GET /api/rooms/{slug}',
        'POST /api/rooms/{slug}/join',
        'DELETE /api/rooms/{slug}',
        'GET /api/rooms/{slug}/messages',
        'POST /api/rooms/{slug}/messages',
        'GET /api/rooms/{slug}/questions',
        'POST /api/rooms/{slug}/questions',
        'PUT /api/rooms/{slug}/questions/{id}/vote',
        'DELETE /api/rooms/{slug}/questions/{id}/vote',
        'POST /api/rooms/{slug}/questions/{id}/answer',
        'POST /api/rooms/{slug}/questions/{id}/pin',
        'GET /api/rooms/{slug}/ice-servers',
        'GET /api/health',
      ]),
    );
  });

  it('should take request shapes from the validators’ schemas, limits included', async () => {
    const doc = await document();
    const create = doc.components.schemas.CreateRoomRequest!;
    expect(create.required).toEqual(expect.arrayContaining(['title', 'presenterName']));
    expect(create.properties).toMatchObject({
      title: { type: 'string', minLength: 1, maxLength: 200 },
      maxParticipants: { type: 'integer', minimum: 2, maximum: 500, default: 50 },
    });
    const limit = doc.paths['/api/rooms/{slug}/messages']!.get!.parameters!.find((p) => p.name === 'limit');
    expect(limit).toMatchObject({ in: 'query' });
    expect(doc.components.schemas.Error).toBeDefined();
  });

  it('should mark token routes with the bearer scheme and leave public ones open', async () => {
    const doc = await document();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.paths['/api/rooms/{slug}']!.delete!.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/rooms/{slug}/questions/{id}/vote']!.put!.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.paths['/api/rooms']!.post!.security).toBeUndefined();
    expect(doc.paths['/api/rooms/{slug}/join']!.post!.responses['409']).toBeDefined();
  });
});
