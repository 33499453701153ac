// A thin link on the SFU, in network namespaces: the attendee's home router cuts its downlink to a few hundred
// kbit/s (tbf), Podium moves that attendee to the video its link carries, and back up once the link is whole again.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUiBuild, probeVideo, waitForDecodedFrames } from './harness.ts';
import { ADDRESSES, buildInternet, launchHomeBrowsers, removeLeftovers, spawnPodium, type Internet, type NamespacedPodium } from './netns.ts';
import { requires } from '../testing/requires.ts';

const available = await requires('chromium', 'netns', 'janus');

const PORT = 8081;
const ORIGIN = `http://${ADDRESSES.server}:${PORT}`;
/** The attendee's downlink while it is cut: below the medium layer's 450 kbit/s, above the low one's 170. */
const THIN_KBIT = 300;

/** The layer badge of the one attendee in the presenter's People panel, with its reason, or null before any change. */
function layerBadge(host: Page): Promise<{ layer: string | null; reason: string | null } | null> {
  return host.evaluate(() => {
    const badge = document.querySelector('[data-testid=sfu-layer]');
    return badge ? { layer: badge.getAttribute('data-layer'), reason: badge.getAttribute('data-reason') } : null;
  });
}

/** Frames the attendee's camera video has decoded so far. */
const framesDecoded = async (page: Page) => (await probeVideo(page, '[data-testid=camera-video]')).frames;

describe.skipIf(!available)('an attendee on a thin link through Janus', () => {
  let internet: Internet;
  let dir: string;
  let podium: NamespacedPodium;
  let presenterBrowser: Browser;
  let attendeeBrowser: Browser;
  const cleanups: Array<() => Promise<void> | void> = [];

  /** Cuts (or, with null, restores) the downlink of the attendee's home: the router's interface toward it. */
  const shape = (kbit: number | null) => {
    const tc = ['netns', 'exec', internet.ns.routerB, 'tc', 'qdisc'];
    if (kbit === null) execFileSync('ip', [...tc, 'del', 'dev', 'lan', 'root']);
    else execFileSync('ip', [...tc, 'replace', 'dev', 'lan', 'root', 'tbf', 'rate', `${kbit}kbit`, 'burst', '8kb', 'latency', '200ms']);
  };

  beforeAll(async () => {
    removeLeftovers();
    await ensureUiBuild();
    internet = buildInternet();
    cleanups.push(() => internet.destroy());
    dir = mkdtempSync(join(tmpdir(), 'podium-sfu-link-'));
    // As root, the embedded PostgreSQL runs as an unprivileged user that must be able to enter DATA_DIR.
    chmodSync(dir, 0o755);
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // Janus runs beside Podium in the server namespace, on its public address; no TURN is needed to reach it.
    podium = await spawnPodium(internet, PORT, { MEDIA_MODE: 'sfu', MANAGED_TURN: 'off', DATA_DIR: join(dir, 'data') });
    cleanups.push(() => podium.stop());
    [presenterBrowser, attendeeBrowser] = await launchHomeBrowsers(internet, ORIGIN, dir);
    cleanups.push(() => presenterBrowser.close(), () => attendeeBrowser.close());
  }, 180_000);

  afterAll(async () => {
    // Browsers first, then Podium, then the namespaces, whatever failed before.
    for (const cleanup of cleanups.reverse()) await Promise.resolve().then(cleanup).catch(() => {});
  }, 60_000);

  it('should move the attendee to the video its link carries, keep it watching, and bring it back once the link is whole', async () => {
    const host = await (await presenterBrowser.newContext({ baseURL: ORIGIN, permissions: ['camera', 'microphone'] })).newPage();
    await host.goto('/');
    await host.getByLabel('Title').fill('Over a thin link');
    await host.getByLabel('Your name').fill('Ada');
    await host.getByRole('button', { name: 'Start presenting' }).click();
    await host.waitForURL(/\/r\/[A-Za-z0-9_-]+\/host$/);
    const slug = /\/r\/([A-Za-z0-9_-]+)\/host$/.exec(host.url())![1]!;
    await host.getByRole('tab', { name: /People/ }).click();
    const attendee = await (await attendeeBrowser.newContext({ baseURL: ORIGIN })).newPage();
    await attendee.goto(`/r/${slug}`);
    await attendee.getByLabel('Your name').fill('Grace');
    await attendee.getByRole('button', { name: 'Join' }).click();
    await waitForDecodedFrames(attendee, '[data-testid=camera-video]', 40_000);
    // A whole link: the attendee stays on the top layer (no badge yet, or one that says high).
    await new Promise((r) => setTimeout(r, 6_000));
    const whole = await layerBadge(host);
    expect(whole?.layer ?? 'high', `on a whole link: ${JSON.stringify(whole)}`).toBe('high');

    // Every layer the presenter's panel shows from here on, with its reason and when.
    const seen: string[] = [];
    const started = Date.now();
    let watching = true;
    const watch = (async () => {
      while (watching) {
        const badge = await layerBadge(host).catch(() => null);
        const entry = `${badge?.layer ?? 'high'} (${badge?.reason ?? '–'})`;
        if (seen.at(-1)?.startsWith(entry) !== true) seen.push(`${entry} at ${((Date.now() - started) / 1000).toFixed(1)} s`);
        await new Promise((r) => setTimeout(r, 250));
      }
    })();

    shape(THIN_KBIT);
    // 300 kbit/s carries the low layer (170) and not the medium one (450): the attendee settles there.
    await expect.poll(async () => (await layerBadge(host))?.layer, { timeout: 60_000, interval: 500 }).toBe('low');
    // The first move was down, for a reason of the link's.
    expect(seen[1]).toMatch(/^(medium|low|audio-only) \((bandwidth|loss|rtt)\)/);
    // It probes the medium layer now and then, each failed probe waiting twice as long as the one before (6, 12,
    // then 24 s): three probes at most in 30 s, where a probe every 8 s or so would be four.
    const settled = seen.length;
    await new Promise((r) => setTimeout(r, 30_000));
    const probes = seen.slice(settled).filter((entry) => entry.startsWith('medium')).length;
    expect(probes).toBeLessThanOrEqual(3);
    // Still watching: the low layer reaches it and decodes.
    await expect.poll(async () => (await layerBadge(host))?.layer, { timeout: 20_000, interval: 500 }).toBe('low');
    {
      const before = await framesDecoded(attendee);
      await expect.poll(async () => (await framesDecoded(attendee)) - before, { timeout: 20_000, interval: 500 }).toBeGreaterThan(30);
    }

    const restoredAt = ((Date.now() - started) / 1000).toFixed(1);
    shape(null);
    await expect.poll(async () => (await layerBadge(host))?.layer, { timeout: 90_000, interval: 500 }).toBe('high');
    watching = false;
    await watch;
    console.log(`e2e sfu-link: cut to ${THIN_KBIT} kbit/s at 0 s, ${probes} probes of medium in the 30 s after it settled, whole again at ${restoredAt} s; the layers: ${seen.join(', ')}`);
    await waitForDecodedFrames(attendee, '[data-testid=camera-video]');
  }, 300_000);
});
