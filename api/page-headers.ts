// Security headers: a strict Content-Security-Policy and its companions for the UI pages, and the API's own set.
import type { Context, MiddlewareHandler } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { tlsMode, type Config } from '../core/config.ts';

/** A Host header that can only name a host (and port): nothing that could end a directive or add a source. */
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** A local CA's certificate is not trusted by every device; HSTS would turn the warning they may accept into a wall. */
const hsts = (config: Config) => (tlsMode(config) === 'local' ? { strictTransportSecurity: false } : {});

/**
 * Where a page may connect: its own origin, and the socket's websocket origin under both schemes (ws: on plain
 * HTTP, wss: under HTTPS, whether Podium or a proxy in front serves it). 'self' covers those in CSP Level 3, but
 * older Safari (one of the browsers Podium serves) does not match ws:/wss: to 'self'. The page's own host is the
 * host the browser asked for; PUBLIC_URL's is added for a proxy that rewrites Host. The UI calls the API and opens
 * Socket.io on its own origin only (CORS_ORIGIN lets other sites call the API; it is not where the UI connects).
 */
export function connectSources(c: Context, config: Config): string {
  const hosts = new Set<string>();
  const own = new URL(c.req.url).host;
  if (HOST.test(own)) hosts.add(own);
  if (config.PUBLIC_URL) hosts.add(new URL(config.PUBLIC_URL).host);
  return ["'self'", ...[...hosts].flatMap((host) => [`ws://${host}`, `wss://${host}`])].join(' ');
}

/**
 * The UI pages (the app shell on every client-side route, and the built assets): scripts and styles from this
 * origin only (the built index.html has no inline script, and fixed styles live in the stylesheet, not in style
 * attributes; styles Solid sets at run time go through the CSSOM, which CSP does not restrict), media and images also
 * from blob: and data: (the icon is a data: URL; video plays from MediaStreams), never framed, camera, microphone and
 * screen capture for this origin only, and nothing Podium never uses.
 */
export function pageHeaders(config: Config): MiddlewareHandler {
  return secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      connectSrc: [(c) => connectSources(c, config)],
      imgSrc: ["'self'", 'blob:', 'data:'],
      mediaSrc: ["'self'", 'blob:', 'data:'],
      objectSrc: ["'none'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
    // For browsers older than frame-ancestors.
    xFrameOptions: 'DENY',
    crossOriginResourcePolicy: 'same-origin',
    permissionsPolicy: {
      camera: ['self'],
      microphone: ['self'],
      displayCapture: ['self'],
      // Features Podium never uses (only names Chromium knows: an unknown one is a console error on every page).
      geolocation: [],
      payment: [],
      usb: [],
      serial: [],
      hid: [],
      midi: [],
      accelerometer: [],
      gyroscope: [],
      magnetometer: [],
    },
    // HSTS on pages is the HTTPS layer's (tls/serve.ts, or nginx): it knows whether the certificate is one to pin.
    strictTransportSecurity: false,
  });
}

/** JSON answers: never sniffed, never framed, no referrer; read by this origin and the CORS origins only. */
export function apiHeaders(config: Config): MiddlewareHandler {
  return secureHeaders({ crossOriginResourcePolicy: 'same-origin', ...hsts(config) });
}
