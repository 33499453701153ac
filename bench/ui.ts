// ui: gzipped JavaScript and CSS that loading `/` costs, from a fresh Vite build, and time to interactive in Chromium.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { launchChromium } from './lib/browser.ts';
import { ROOT, startNode } from './lib/children.ts';
import { round, summarize } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type Cell } from './lib/types.ts';

const BUILD_DIR = fileURLToPath(new URL('./out/ui-dist/', import.meta.url));

interface Load {
  dclMs: number;
  loadMs: number;
  fcpMs: number | null;
  firstControlMs: number | null;
  lastLongTaskEndMs: number;
  longTasks: number;
  ttiMs: number;
}

/** Installed before any page script: records when the first control appears and every long task. */
const OBSERVE = `
  window.__bench = { longTasks: [], firstControl: null };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__bench.longTasks.push(e.startTime + e.duration);
  }).observe({ type: 'longtask', buffered: true });
  new MutationObserver((_, observer) => {
    if (document.querySelector('button, input, a[href]')) {
      window.__bench.firstControl = performance.now();
      observer.disconnect();
    }
  }).observe(document, { childList: true, subtree: true });
`;

export const uiBenchmark: Benchmark = {
  name: 'ui',
  title: 'first-load JavaScript and CSS (gzip) and time to interactive of /',
  budgetSeconds: 40,
  async run(ctx) {
    const tiny = ctx.size === 'tiny';
    const notes: string[] = [];
    // A build of our own into bench/out, so that nobody else's dist/ is replaced under them mid-run.
    const t0 = performance.now();
    await promisify(execFile)(process.execPath, [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--outDir', BUILD_DIR, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: ROOT,
    });
    ctx.log(`vite build: ${round((performance.now() - t0) / 1000, 1)} s`);

    const server = startNode('bench/load/static.ts', { args: [BUILD_DIR] });
    const [, port] = await server.waitFor(/listening on http:\/\/[^:]+:(\d+)/);
    const base = `http://127.0.0.1:${port}`;
    const browser = await launchChromium();
    const loads: Load[] = [];
    const assets = new Map<string, { type: 'js' | 'css'; bytes: number; gzip: number }>();
    try {
      const runs = tiny ? 1 : 7;
      for (let i = 0; i < runs && (i < 2 || secondsLeft(ctx) > 8); i++) {
        // A new context per load: an empty cache, as for a first visit.
        const context = await browser.newContext();
        await context.addInitScript(OBSERVE);
        const page = await context.newPage();
        page.on('response', (res) => {
          const path = new URL(res.url()).pathname;
          const type = path.endsWith('.js') ? 'js' : path.endsWith('.css') ? 'css' : undefined;
          if (!type || assets.has(path)) return;
          const body = readFileSync(`${BUILD_DIR}${path.replace(/^\//, '')}`);
          assets.set(path, { type, bytes: body.length, gzip: gzipSync(body).length });
        });
        await page.goto(`${base}/`, { waitUntil: 'load' });
        // Long tasks after the app shell are what keeps it from answering; give them time to show.
        await page.waitForSelector('button, input', { timeout: 10_000 });
        await page.waitForTimeout(tiny ? 300 : 1500);
        const load = await page.evaluate(() => {
          const w = window as unknown as { __bench: { longTasks: number[]; firstControl: number | null } };
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null;
          const lastLongTaskEnd = Math.max(0, ...w.__bench.longTasks);
          return {
            dclMs: nav.domContentLoadedEventEnd,
            loadMs: nav.loadEventEnd,
            fcpMs: fcp,
            firstControlMs: w.__bench.firstControl,
            lastLongTaskEndMs: lastLongTaskEnd,
            longTasks: w.__bench.longTasks.length,
            ttiMs: Math.max(nav.domContentLoadedEventEnd, fcp ?? 0, w.__bench.firstControl ?? 0, lastLongTaskEnd),
          };
        });
        loads.push(load);
        await context.close();
      }
    } finally {
      await browser.close();
      await server.stop();
    }
    const total = (type?: 'js' | 'css') => {
      const list = [...assets.values()].filter((a) => !type || a.type === type);
      return [list.length, list.reduce((s, a) => s + a.bytes, 0), list.reduce((s, a) => s + a.gzip, 0)] as const;
    };
    const kb = (b: number) => round(b / 1024, 1);
    const sizeRows = (['js', 'css', undefined] as const).map((type): Cell[] => {
      const [files, bytes, gz] = total(type);
      return [type ?? 'total', files, kb(bytes), kb(gz)];
    });
    const stat = (pick: (l: Load) => number | null) => summarize(loads.map(pick).filter((v): v is number => v !== null));
    const timing: [string, (l: Load) => number | null][] = [
      ['DOMContentLoaded', (l) => l.dclMs],
      ['first contentful paint', (l) => l.fcpMs],
      ['first control in the DOM', (l) => l.firstControlMs],
      ['load event', (l) => l.loadMs],
      ['time to interactive', (l) => l.ttiMs],
    ];
    notes.push(
      'Sizes are the files Chromium actually fetched while loading / (entry, preloaded and lazily imported chunks), gzip at level 6 as most servers send them; the build is `vite build` into bench/out/ui-dist.',
      `Time to interactive (lab): the latest of DOMContentLoaded, first contentful paint, the first button or input in the DOM, and the end of the last long task (≥ 50 ms); median of ${loads.length} cold loads over loopback from a plain static server, no CPU or network throttling.`,
    );
    return {
      tables: [
        { title: 'ui: what loading / fetches', columns: ['kind', 'files', 'KiB', 'KiB gzip'], rows: sizeRows },
        {
          title: `ui: timings of / in headless Chromium, ${loads.length} cold loads, ms`,
          columns: ['milestone', 'p50', 'max'],
          rows: timing.map(([name, pick]): Cell[] => {
            const s = stat(pick);
            return [name, round(s.p50, 0), round(s.max, 0)];
          }),
        },
      ],
      notes,
      data: { assets: Object.fromEntries(assets), loads },
    };
  },
};
