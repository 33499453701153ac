// The HTTP side of metrics: the middleware that times requests, and GET /metrics.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { Metrics } from '../core/metrics.ts';
import type { RequestCountSink } from '../db/request-counts.ts';
import type { ErrorBody } from './errors.ts';

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/** Requests that matched no route share one label, so scanners probing random paths cannot grow the series. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * The route pattern that answered (`/api/rooms/:slug`), never the raw path: the first matched route that
 * is a handler for a method, not a middleware registered for every method. Handlers answer in the order
 * they were registered, so a catch-all added later (the UI shell's `GET *`) does not take the label.
 */
export function routePattern(c: Context): string {
  return matchedRoutes(c).find((route) => route.method !== 'ALL')?.path ?? UNMATCHED_ROUTE;
}

export function methodLabel(method: string): string {
  return knownMethods.has(method) ? method : 'OTHER';
}

/** Times every request and counts it in the metrics and, when given, in the persistent request counts. */
export function httpMetrics(metrics: Metrics, requestCounts?: RequestCountSink): MiddlewareHandler {
  return async function httpMetrics(c, next) {
    const started = performance.now();
    try {
      await next();
    } finally {
      const labels = { method: methodLabel(c.req.method), route: routePattern(c), status: String(c.res.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, (performance.now() - started) / 1000);
      requestCounts?.add(labels.method, labels.route, c.res.status);
    }
  };
}

/** Compares two secrets in time that does not depend on where they differ. */
export async function secretsMatch(given: string, expected: string): Promise<boolean> {
  const digest = async (s: string) => new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(s)));
  const [a, b] = await Promise.all([digest(given), digest(expected)]);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Whether the request carries `Authorization: Bearer <token>`; always true when no token is configured. */
export async function bearerAllowed(c: Context, token: string | undefined): Promise<boolean> {
  if (!token) return true;
  const header = c.req.header('Authorization') ?? '';
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match ? secretsMatch(match[1]!, token) : false;
}

/** GET /metrics in the Prometheus text format, behind `METRICS_TOKEN` when it is set. */
export function metricsHandler(metrics: Metrics, token: string | undefined) {
  return async function metricsEndpoint(c: Context) {
    if (!(await bearerAllowed(c, token))) {
      const body: ErrorBody = { error: { code: 'unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' } };
      return c.json(body, 401, { 'WWW-Authenticate': 'Bearer realm="metrics"' });
    }
    const text = await metrics.registry.metrics();
    return c.body(text, 200, { 'Content-Type': metrics.registry.contentType, 'Cache-Control': 'no-store' });
  };
}
