// GET /api/openapi.json: the OpenAPI 3.1 document, generated from the zod schemas the validators use.
import type { OpenAPIHono } from '@hono/zod-openapi';

/** Registers the bearer scheme the token routes name, and serves the document of every route mounted on `app`. */
export function serveOpenApi(app: OpenAPIHono, version: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'The presenter token from POST /api/rooms or the participant token from POST /api/rooms/{slug}/join',
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Podium API',
      version,
      description: 'Rooms, joining, chat history and Q&A for Podium webinars. Errors are `{ "error": { "code", "message", "details"? } }`.',
    },
  });
}
