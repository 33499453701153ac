// `npm run analytics -- --from 2026-03-01 --to 2026-03-31`: the admin analytics as tables in the terminal.
import { parseArgs } from 'node:util';
import { analyticsQuery } from '../api/admin.ts';
import { ConfigError, loadConfig } from '../core/config.ts';
import { computeAnalytics } from '../db/analytics.ts';
import { createDatabase } from '../db/client.ts';
import { runningEmbeddedPostgresUrl, startEmbeddedPostgres, type EmbeddedPostgres } from '../managed/postgres.ts';
import { formatAnalytics } from './analytics-format.ts';

const usage = `Usage: npm run analytics -- [--from DATE] [--to DATE] [--json] [--embedded]

  --from      first day (2026-03-01) or an ISO date-time; default 30 days before --to
  --to        last day, included (2026-03-31), or an exclusive ISO date-time; default now
  --json      print the same JSON as GET /api/admin/analytics
  --embedded  read the embedded database under DATA_DIR (the running Podium's, or started for the query)

Reads DATABASE_URL (or DATA_DIR with --embedded) like the server does.`;

async function main(argv: string[]): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, embedded: { type: 'boolean' }, help: { type: 'boolean' } },
    }).values;
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    console.log(usage);
    return 0;
  }
  const range = analyticsQuery.safeParse({ from: args.from, to: args.to });
  if (!range.success) {
    const issue = range.error.issues[0]!;
    console.error(`analytics: --${String(issue.path[0] ?? 'from')}: ${issue.message}`);
    return 2;
  }
  let config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`analytics: ${err.message}`);
      return 2;
    }
    throw err;
  }
  if (!config.DATABASE_URL && !args.embedded) {
    console.error('analytics: DATABASE_URL is not set. For the embedded database pass --embedded, or ask the running server: GET /api/admin/analytics');
    return 2;
  }
  let embedded: EmbeddedPostgres | undefined;
  let url = config.DATABASE_URL;
  try {
    if (!url) url = (await runningEmbeddedPostgresUrl(config.DATA_DIR)) ?? (embedded = await startEmbeddedPostgres({ dataDir: config.DATA_DIR })).url;
  } catch (err) {
    console.error(`analytics: ${describeFailure(err)}`);
    return 1;
  }
  const database = await createDatabase({ url, poolMax: 4 });
  try {
    const analytics = await computeAnalytics(database.db, range.data);
    console.log(args.json ? JSON.stringify(analytics, null, 2) : formatAnalytics(analytics));
    return 0;
  } catch (err) {
    console.error(`analytics: ${describeFailure(err)}`);
    return 1;
  } finally {
    await database.close();
    await embedded?.stop();
  }
}

/** One readable line; the driver's error carries the query and its parameters, which are not for a terminal. */
function describeFailure(err: unknown): string {
  let e: unknown = err;
  while (e instanceof Error) {
    if ((e as { code?: unknown }).code === '42P01') return 'the database has no Podium tables yet: run `npm run db:migrate` first';
    if (!e.cause) return e.message.split('\n')[0]!;
    e = e.cause;
  }
  return String(err);
}

const code = await main(process.argv.slice(2));
// postgres.js can hold a socket open for queries that were still queued when one of them failed; a CLI
// is done once its output is written.
process.stdout.write('', () => process.exit(code));
