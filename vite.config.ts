import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';

/**
 * The oldest browsers Podium serves (README, "Browsers"): the bundle is compiled down to them, and
 * `ui/compat.test.ts` fails when dist/ uses syntax or built-ins beyond them.
 */
export const BROWSER_TARGETS = ['chrome90', 'edge90', 'firefox88', 'safari14', 'ios14'];

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
    // Two projects because the Solid plugin adds the `browser` export condition to every module Vitest
    // loads, and server code then gets browser builds (ws's throws). Server tests run without the plugin.
    projects: [
      {
        test: {
          name: 'server',
          root: '.',
          environment: 'node',
          include: ['{api,core,db,signaling,managed,tls,e2e,bench,deploy,scripts,testing}/**/*.test.ts', '*.test.ts'],
          // The embedded PostgreSQL that db/ suites run on beside the external one (and all of them with TEST_DATABASE=embedded).
          globalSetup: ['db/testing-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: { name: 'ui', environment: 'node', include: ['ui/**/*.test.{ts,tsx}'] },
      },
    ],
  },
});
