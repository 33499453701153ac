// Smoke test: every benchmark runs end to end at its tiny size and reports tables. Timings are never asserted here.
import { describe, expect, it } from 'vitest';
import { benchmarks } from './benchmarks.ts';

describe('npm run bench', () => {
  it('should know seven benchmarks by distinct names', () => {
    expect(benchmarks.map((b) => b.name).sort()).toEqual(['chat', 'db', 'http', 'sfu', 'sockets', 'ui', 'webrtc']);
  });

  for (const benchmark of benchmarks) {
    it(`should run ${benchmark.name} at the tiny size and fill its tables`, { timeout: 180_000 }, async () => {
      const result = await benchmark.run({ size: 'tiny', deadline: Date.now() + 120_000, log: () => {} });
      expect(result.tables.length).toBeGreaterThan(0);
      for (const table of result.tables) {
        expect(table.rows.length, table.title).toBeGreaterThan(0);
        for (const row of table.rows) expect(row).toHaveLength(table.columns.length);
      }
      expect(JSON.parse(JSON.stringify(result.data))).toEqual(expect.any(Object));
    });
  }
});
