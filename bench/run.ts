// `npm run bench [-- <name>…] [--tiny] [--results]`: runs benchmarks, prints tables, writes bench/out/*.json and RESULTS.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { benchmarks } from './benchmarks.ts';
import { describeMachine, machineInfo } from './lib/machine.ts';
import { renderResults, replaceSections, type Outcome } from './lib/results.ts';
import { textTable } from './lib/table.ts';
import type { BenchResult, Size } from './lib/types.ts';

const OUT = new URL('./out/', import.meta.url);
const RESULTS = new URL('./RESULTS.md', import.meta.url);

const args = process.argv.slice(2);
const size: Size = args.includes('--tiny') ? 'tiny' : 'full';
const names = args.filter((a) => !a.startsWith('--'));
const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
if (unknown.length) {
  console.error(`unknown benchmark ${unknown.join(', ')}; known: ${benchmarks.map((b) => b.name).join(', ')}`);
  process.exit(2);
}
const selected = names.length ? benchmarks.filter((b) => names.includes(b.name)) : benchmarks;
const writeResults = args.includes('--results') || (names.length === 0 && size === 'full');
const conditions = process.env.BENCH_CONDITIONS;

const machine = await machineInfo();
console.log(['podium bench', ...describeMachine(machine)].join('\n  '));
const totalBudget = selected.reduce((s, b) => s + b.budgetSeconds, 0);
console.log(`  running ${selected.map((b) => b.name).join(', ')} (${size}, budget ${Math.round(totalBudget / 60)} min)\n`);

mkdirSync(OUT, { recursive: true });
const started = Date.now();
const outcomes: Outcome[] = [];
for (const benchmark of selected) {
  const budget = size === 'tiny' ? 60 : benchmark.budgetSeconds;
  const t0 = Date.now();
  // Other people's work on a shared machine shows here; RESULTS.md prints it beside each benchmark.
  const loadBefore = Math.round(loadavg()[0]! * 100) / 100;
  console.log(`== ${benchmark.name}: ${benchmark.title} (budget ${budget} s)`);
  let result: BenchResult | undefined;
  let error: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    // The benchmark paces itself by the deadline; this is the backstop for one that hangs.
    const overrun = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`aborted: still running ${budget + 60} s after it started`)), (budget + 60) * 1000);
    });
    result = await Promise.race([
      benchmark.run({ size, deadline: t0 + budget * 1000, log: (line) => console.log(`   ${line}`) }),
      overrun,
    ]);
  } catch (err) {
    error = err instanceof Error ? (err.stack ?? err.message) : String(err);
    console.error(`   ${benchmark.name} failed: ${error}`);
  } finally {
    clearTimeout(timer);
  }
  const seconds = Math.round((Date.now() - t0) / 100) / 10;
  const loadAfter = Math.round(loadavg()[0]! * 100) / 100;
  const outcome: Outcome = { name: benchmark.name, title: benchmark.title, seconds, loadAverage: [loadBefore, loadAfter], result, error };
  outcomes.push(outcome);
  if (result) {
    for (const table of result.tables) console.log(`\n${textTable(table)}`);
    for (const note of result.notes) console.log(`  * ${note}`);
  }
  console.log(`   (${seconds} s)\n`);
  writeFileSync(new URL(`${benchmark.name}.json`, OUT), JSON.stringify({ machine, size, ...outcome }, null, 2));
}

const totalSeconds = Math.round((Date.now() - started) / 1000);
console.log(`done in ${Math.floor(totalSeconds / 60)} min ${totalSeconds % 60} s; JSON in bench/out/`);
if (writeResults) {
  writeFileSync(RESULTS, renderResults({ machine, size, outcomes, totalSeconds, conditions }));
  console.log('wrote bench/RESULTS.md');
} else if (size === 'full') {
  // One benchmark at full size replaces its own section of RESULTS.md and leaves the others as they were.
  const fresh = renderResults({ machine, size, outcomes, totalSeconds, conditions });
  writeFileSync(RESULTS, replaceSections(existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : fresh, fresh, outcomes.map((o) => o.name)));
  console.log(`wrote the ${outcomes.map((o) => o.name).join(', ')} section of bench/RESULTS.md`);
}
process.exit(outcomes.some((o) => o.error) ? 1 : 0);
