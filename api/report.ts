// The session report over REST, for the presenter's token, live or ended, until the room is deleted.
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { buildReport, reportCsv, reportSchema } from '../core/report.ts';
import { requireParticipant } from './auth.ts';
import { ApiError } from './errors.ts';
import { bearerSecurity, errorResponses, jsonContent, slugParams } from './route-schemas.ts';

const reportRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/report',
  operationId: 'getReport',
  tags: ['report'],
  summary: 'The session report (presenter): attendance, chat, questions, polls and media, without names',
  security: bearerSecurity,
  middleware: [requireParticipant({ presenterAfterEnd: true })] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'The report', content: jsonContent(reportSchema) },
    ...errorResponses(401, 403, 404, 429),
  },
});

const reportCsvRoute = createRoute({
  method: 'get',
  path: '/rooms/{slug}/report.csv',
  operationId: 'getReportCsv',
  tags: ['report'],
  summary: 'The session report as CSV (presenter): columns section, item, option, value, answered, answer',
  security: bearerSecurity,
  middleware: [requireParticipant({ presenterAfterEnd: true })] as const,
  request: { params: slugParams },
  responses: {
    200: { description: 'RFC 4180 CSV with a header row', content: { 'text/csv': { schema: z.string() } } },
    ...errorResponses(401, 403, 404, 429),
  },
});

async function presenterReport(c: Context) {
  const { room, role } = c.get('caller');
  if (role !== 'presenter') throw new ApiError(403, 'forbidden', 'Only the presenter may read the report');
  const { database, config } = c.get('deps');
  const report = await buildReport(database.db, room.id, config.REPORT_RETENTION_DAYS);
  if (!report) throw new ApiError(404, 'room_not_found', 'No room has this link');
  return { report, slug: room.slug };
}

export const report = new OpenAPIHono()
  .openapi(reportRoute, async (c) => c.json((await presenterReport(c)).report, 200))
  .openapi(reportCsvRoute, async (c) => {
    const { report: body, slug } = await presenterReport(c);
    return c.body(reportCsv(body), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="podium-report-${slug}.csv"`,
    });
  });
