// Load generator for the http benchmark: autocannon in its own process, answering with a summary over IPC.
import autocannon from 'autocannon';
import { serveRequests } from '../lib/serve-requests.ts';

export interface HttpLoad {
  url: string;
  method?: 'GET' | 'POST';
  /** Path template; `:slug` is replaced by the next of `slugs`, round robin. */
  path?: string;
  slugs?: string[];
  body?: unknown;
  connections: number;
  pipelining: number;
  duration: number;
  /** Requests per second over all connections; unset means as fast as the server answers. */
  overallRate?: number;
}

export interface HttpLoadResult {
  requestsPerSecond: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  statusCodes: Record<string, number>;
}

async function run(load: HttpLoad): Promise<HttpLoadResult> {
  let next = 0;
  const path = load.path ?? '/';
  const pathFor = () => (load.slugs?.length ? path.replace(':slug', load.slugs[next++ % load.slugs.length]!) : path);
  const result = await autocannon({
    url: load.url,
    connections: load.connections,
    pipelining: load.pipelining,
    duration: load.duration,
    ...(load.overallRate ? { overallRate: load.overallRate } : {}),
    requests: [
      {
        method: load.method ?? 'GET',
        path: pathFor(),
        ...(load.body === undefined ? {} : { body: JSON.stringify(load.body), headers: { 'content-type': 'application/json' } }),
        ...(load.slugs?.length ? { setupRequest: (req: autocannon.Request) => ({ ...req, path: pathFor() }) } : {}),
      },
    ],
  });
  const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [code, (s as { count: number }).count]));
  return {
    requestsPerSecond: result.requests.average,
    total: result.requests.total,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max, mean: result.latency.average },
    statusCodes,
  };
}

serveRequests({ run: (body) => run(body as unknown as HttpLoad) });
