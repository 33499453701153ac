// Smoke test: every benchmark runs end to end at its tiny size and reports tables. Timings are never asserted here.
import { describe, expect, it } from 'vitest';
import { benchmarks } from './benchmarks.ts';
import { replaceSections } from './lib/results.ts';

describe('npm run bench', () => {
  it('should know seven benchmarks by distinct names', () => {
    expect(benchmarks.map((b) => b.name).sort()).toEqual(['chat', 'db', 'footprint', 'http', 'sfu', 'sockets', 'ui', 'webrtc']);
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
