import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';

/**
 * The oldest browsers Podium serves (README, "Browsers"): the bundle is compiled down to them, and
 * `ui/compat.test.ts` fails when dist/ uses syntax or built-ins beyond them.
 */
export const BROWSER_TARGETS = ['chrome90', 'edge90', 'firefox88', 'safari14', 'ios14'];

/**
 * Browser files that show no video or assert no timing (a bundle scan, CSP and insecure-origin checks, retries, the
 * HTTPS certificate's renewal, which mostly waits): they run in the first group, beside the server tests.
 */
const LIGHT_BROWSER_FILES = ['e2e/bundle-compat.test.ts', 'e2e/csp.test.ts', 'e2e/insecure-origin.test.ts', 'e2e/retry.test.ts', 'e2e/https.test.ts'];

const apiTarget = `http://localhost:${process.env.PORT ?? 3000}`;

export default defineConfig({
  root: 'ui',
  plugins: [solid()],
  build: { outDir: '../dist', emptyOutDir: true, target: BROWSER_TARGETS, cssTarget: BROWSER_TARGETS },
  server: {
    port: 5173,
    proxy: {
      '/api': apiTarget,
      '/socket.io': { target: apiTarget, ws: true },
    },
  },
  test: {
    root: '.',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // The Solid plugin adds the `browser` export condition to every module Vitest loads, and server code then gets
    // browser builds (ws's throws): server tests run in projects without the plugin.
    //
    // Two groups, one after the other, so that the suite fits on a 2-core machine well within half an hour:
    // first everything that drives no browser video (server and UI tests, the benchmarks' tiny runs, which assert
    // no timing), two files at a time; then the browser suites, which decode video and bound
    // times (first frames, removal, recovery), one file at a time, alone on the machine. (Two browser suites at
    // once were slower here than one after the other: each page encodes or decodes video.)
    projects: [
      {
        test: {
          name: 'server',
          root: '.',
          environment: 'node',
          include: ['{api,core,db,signaling,managed,tls,bench,deploy,scripts,testing}/**/*.test.ts', '*.test.ts', ...LIGHT_BROWSER_FILES],
          // The embedded PostgreSQL that db/ suites run on beside the external one (and all of them with TEST_DATABASE=embedded).
          globalSetup: ['db/testing-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'ui', environment: 'node', include: ['ui/**/*.test.{ts,tsx}'], maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        test: {
          name: 'browser',
          root: '.',
          environment: 'node',
          include: ['e2e/**/*.test.ts'],
          exclude: LIGHT_BROWSER_FILES,
          globalSetup: ['db/testing-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          maxWorkers: 1,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
