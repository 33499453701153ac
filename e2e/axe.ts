// axe-core (the npm package, evaluated into the page: nothing is downloaded while testing) on a page as it is now,
// in light and dark and at desktop and phone width: any critical or serious violation fails the test.
import axe from 'axe-core';
import type { Page } from 'playwright-core';
import { DESKTOP, PHONE } from './harness.ts';

type Scheme = 'light' | 'dark';
interface Variant {
  colorScheme: Scheme;
  viewport: { width: number; height: number };
}

const EVERY_VARIANT: Variant[] = [
  { colorScheme: 'light', viewport: DESKTOP },
  { colorScheme: 'dark', viewport: DESKTOP },
  { colorScheme: 'light', viewport: PHONE },
  { colorScheme: 'dark', viewport: PHONE },
];

/** One line per violating node: rule id, impact, CSS target, and axe's summary of what is wrong. */
export interface AxeFinding {
  rule: string;
  impact: string;
  target: string;
  summary: string;
}

/** Runs axe once on the page as it is; only the violations of impact `critical` or `serious`. */
export async function seriousViolations(page: Page): Promise<AxeFinding[]> {
  // Evaluated through the debugging protocol, so the page's Content-Security-Policy does not block it.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source);
  // Let theme and layout transitions settle so contrast is measured on the final colours.
  // Each wait is bounded: a page that renders no frame (a busy machine, a throttled page) must not hold the test.
  await page.evaluate(async () => {
    const atMost = (ms: number) => new Promise((done) => setTimeout(done, ms));
    const transitions = document.getAnimations().filter((a) => a instanceof CSSTransition);
    await Promise.race([Promise.all(transitions.map((a) => a.finished.catch(() => undefined))), atMost(2_000)]);
    await Promise.race([new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))), atMost(1_000)]);
  });
  return within(AXE_RUN_MS, 'axe.run', page.evaluate(async () => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const results = await run(document, { resultTypes: ['violations'] });
    return results.violations
      .filter((v) => v.impact === 'critical' || v.impact === 'serious')
      .flatMap((v) =>
        v.nodes.map((node) => ({
          rule: v.id,
          impact: v.impact ?? '',
          target: node.target.join(' '),
          summary: (node.failureSummary ?? v.help).replace(/\s+/g, ' ').slice(0, 300),
        })),
      );
  }));
}

/** How long one axe pass may take before the check fails with a clear message (a page.evaluate has no timeout of its own). */
const AXE_RUN_MS = 60_000;

function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/**
 * Fails with every rule id and target when axe finds a critical or serious violation on the page, checked in light
 * and dark at desktop (1280x800) and phone (375x812) width; the page's own colour scheme and size are put back after.
 */
export async function expectAccessible(page: Page, label: string, variants: Variant[] = EVERY_VARIANT): Promise<void> {
  const viewport = page.viewportSize();
  const scheme: Scheme = (await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)) ? 'dark' : 'light';
  const failures: string[] = [];
  try {
    for (const variant of variants) {
      await page.emulateMedia({ colorScheme: variant.colorScheme });
      await page.setViewportSize(variant.viewport);
      for (const f of await seriousViolations(page)) {
        failures.push(`  [${variant.colorScheme} ${variant.viewport.width}px] ${f.impact} ${f.rule} at ${f.target}: ${f.summary}`);
      }
    }
  } finally {
    await page.emulateMedia({ colorScheme: scheme });
    if (viewport) await page.setViewportSize(viewport);
  }
  if (failures.length) throw new Error(`axe: ${failures.length} critical/serious violation(s) on "${label}":\n${failures.join('\n')}`);
}
