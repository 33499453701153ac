// Headless Chromium for the webrtc and ui benchmarks, with fake media devices and nothing phoning home.
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import { CHROMIUM_BASE_ARGS, CHROMIUM_PATH } from '../../e2e/chromium.ts';


/**
 * Pages fulfilled by Playwright routes have no server address, so Chromium cannot place them in the local
 * address space and blocks their websocket to 127.0.0.1; the webrtc benchmark's pages need this switch.
 */
export const ROUTED_PAGE_FLAGS = ['--disable-features=LocalNetworkAccessChecks'];

export function launchChromium(extraFlags: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_BASE_ARGS, ...extraFlags] });
}

const PAGES: Record<string, { file: URL; type: string }> = {
  '/bench/star.html': { file: new URL('../pages/star.html', import.meta.url), type: 'text/html' },
  '/bench/star.js': { file: new URL('../pages/star.js', import.meta.url), type: 'text/javascript' },
  '/bench/clock-code.js': { file: new URL('../pages/clock-code.js', import.meta.url), type: 'text/javascript' },
  '/bench/socket.io.js': { file: new URL('../../node_modules/socket.io-client/dist/socket.io.min.js', import.meta.url), type: 'text/javascript' },
};

/** Serves the bench pages as if they lived on `base`, so they call Podium's API and Socket.io same-origin. */
export async function routeBenchPages(context: BrowserContext, base: string): Promise<void> {
  await context.route(`${base}/bench/**`, (route) => {
    const page = PAGES[new URL(route.request().url()).pathname];
    if (!page) return route.fulfill({ status: 404, body: 'not a bench page' });
    return route.fulfill({ status: 200, contentType: page.type, body: readFileSync(page.file) });
  });
}
