// Smoke test: every benchmark runs end to end at its tiny size and reports sane tables. Timings are never
// asserted here, only the shape of the figures: numbers that are numbers, never negative where they cannot be,
// and the ratio against the baseline present where a benchmark has one.
import { describe, expect, it } from 'vitest';
import { benchmarks } from './benchmarks.ts';
import { replaceSections } from './lib/results.ts';
import type { Table } from './lib/types.ts';

/** The column that compares Podium with the baseline run beside it, per benchmark that has a baseline. */
const ratioColumns: Record<string, RegExp> = {
  chat: /vs bare/,
  db: /drizzle\/raw/,
  footprint: /heap vs bare/,
  http: /vs Hono/,
  sockets: /vs bare/,
};

/**
 * Differences (and growth per participant or against bare, built from differences of two readings, the reading
 * without a forced GC included) may be negative; every other figure (rates, times, sizes, counts, ratios) may not.
 */
const signed = /−|difference|delta|added|\/participant|growth|no GC: vs bare/;

function numbersOf(table: Table, column: number): number[] {
  return table.rows.map((row) => row[column]).filter((cell): cell is number => typeof cell === 'number');
}

describe('npm run bench', () => {
  it('should know eight benchmarks by distinct names', () => {
    expect(benchmarks.map((b) => b.name).sort()).toEqual(['chat', 'db', 'footprint', 'http', 'sfu', 'sockets', 'ui', 'webrtc']);
  });

  for (const benchmark of benchmarks) {
    it(`should run ${benchmark.name} at the tiny size and fill its tables`, { timeout: 300_000 }, async () => {
      const result = await benchmark.run({ size: 'tiny', deadline: Date.now() + 120_000, log: () => {} });
      expect(result.tables.length).toBeGreaterThan(0);
      for (const table of result.tables) {
        expect(table.rows.length, table.title).toBeGreaterThan(0);
        for (const row of table.rows) expect(row).toHaveLength(table.columns.length);
        table.columns.forEach((column, i) => {
          for (const value of numbersOf(table, i)) {
            expect(Number.isFinite(value), `${table.title}: ${column}`).toBe(true);
            if (!signed.test(column)) expect(value, `${table.title}: ${column}`).toBeGreaterThanOrEqual(0);
          }
        });
      }
      const ratio = ratioColumns[benchmark.name];
      if (ratio) {
        const ratios = result.tables.flatMap((table) => table.columns.flatMap((column, i) => (ratio.test(column) ? numbersOf(table, i) : [])));
        expect(ratios.length, `${benchmark.name}: a ratio against its baseline`).toBeGreaterThan(0);
        for (const value of ratios) expect(value).toBeGreaterThan(0);
      }
      expect(JSON.parse(JSON.stringify(result.data))).toEqual(expect.any(Object));
    });
  }
});

describe('replaceSections', () => {
  const existing = ['# Results', '', '## db: d', '', 'old db', '', '## chat: c', '', 'old chat', '', '## What these numbers mean', '', '- **db.** old reading', '- **chat.** old reading', ''].join('\n');
  const fresh = ['# Results', '', '- conditions: busy', '', '## chat: c', '', 'new chat', '', '## What these numbers mean', '', '- **chat.** new reading', ''].join('\n');

  it('should replace only the named section and its reading, and record the conditions of the run', () => {
    const out = replaceSections(existing, fresh, ['chat']);
    expect(out).toContain('old db');
    expect(out).toContain('- **db.** old reading');
    expect(out).not.toContain('old chat');
    expect(out).toContain('new chat');
    expect(out).toContain('- **chat.** new reading');
    expect(out).toContain('_run alone; conditions: busy_');
    expect(out.indexOf('new chat')).toBeLessThan(out.indexOf('## What these numbers mean'));
  });
});
