import { defineConfig } from 'vitest/config';
import solid from 'vite-plugin-solid';

const apiTarget = `http://localhost:${process.env.PORT ?? 3000}`;

export default defineConfig({
  root: 'ui',
  plugins: [solid()],
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022' },
  server: {
    port: 5173,
    proxy: {
      '/api': apiTarget,
      '/socket.io': { target: apiTarget, ws: true },
    },
  },
  test: {
    root: '.',
    environment: 'node',
    include: ['{api,db,signaling,ui,e2e,bench}/**/*.test.{ts,tsx}', '*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
