// Linux perf on one running process: how many packets it sent, and where its CPU time went, by library.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { findOnPath } from '../../managed/process.ts';

const run = promisify(execFile);

/** Runs `work` with a fresh temporary directory for perf's files, removed afterwards whatever happened. */
async function inTempDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'podium-perf-'));
  try {
    return await work(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether `perf` is installed and may trace syscalls here (root, or a permissive perf_event_paranoid). */
export async function perfAvailable(): Promise<boolean> {
  if (!findOnPath('perf')) return false;
  try {
    await run('perf', ['stat', '-x', ',', '-e', 'syscalls:sys_enter_sendmsg', '--', 'true'], { timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * Counts of these tracepoints in all threads of `pid`, over `seconds`: each `[event, filter]` (e.g.
 * `['syscalls:sys_exit_recvmsg', 'ret > 0']`, the datagrams a process read) counts under its event's name.
 */
export function countEvents(pid: number, events: Array<[string, string?]>, seconds: number): Promise<Record<string, number>> {
  return inTempDir(async (dir) => {
    const out = join(dir, 'stat.csv');
    const args = events.flatMap(([event, filter]) => ['-e', event, ...(filter ? ['--filter', filter] : [])]);
    await run('perf', ['stat', '-x', ',', '-o', out, ...args, '-p', String(pid), '--', 'sleep', String(seconds)], {
      timeout: (seconds + 30) * 1000,
    });
    const counts: Record<string, number> = {};
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const [count, , event] = line.split(',');
      if (event && events.some(([name]) => name === event)) counts[event] = Number(count) || 0;
    }
    return counts;
  });
}

/** Where a process's CPU went, in percent of its samples: kernel parts (inclusive) and libraries (self). */
export interface Profile {
  samples: number;
  /** `[kernel.kallsyms]` and each shared object, self time. */
  byObject: Record<string, number>;
  /** Kernel functions with everything they called (call graphs), for the names asked. */
  kernelInclusive: Record<string, number>;
}

/** Samples `pid` (all threads, with kernel call graphs) for `seconds` and sums them by shared object. */
export function profileProcess(pid: number, seconds: number, kernelFunctions: string[]): Promise<Profile> {
  return inTempDir(async (dir) => {
    const data = join(dir, 'perf.data');
    await run('perf', ['record', '-q', '-g', '-o', data, '-p', String(pid), '--', 'sleep', String(seconds)], { timeout: (seconds + 60) * 1000 });
    const report = async (args: string[]) =>
      (await run('perf', ['report', '-i', data, '--stdio', '-g', 'none', ...args], { timeout: 120_000, maxBuffer: 64 * 2 ** 20 })).stdout;
    const byObject: Record<string, number> = {};
    const head = await report(['--no-children', '--sort', 'dso']);
    for (const line of head.split('\n')) {
      const match = /^\s+([\d.]+)%\s+(\S.*?)\s*$/.exec(line);
      if (match) byObject[match[2]!] = Number(match[1]);
    }
    const counted = /^# Samples: ([\d.]+)([KM]?)/m.exec(head);
    const samples = counted ? Math.round(Number(counted[1]) * (counted[2] === 'K' ? 1e3 : counted[2] === 'M' ? 1e6 : 1)) : 0;
    const kernelInclusive: Record<string, number> = {};
    const symbols = await report(['--children', '--sort', 'sym']);
    for (const line of symbols.split('\n')) {
      const match = /^\s+([\d.]+)%\s+[\d.]+%\s+\[k\]\s+(\S+)/.exec(line);
      if (match && kernelFunctions.includes(match[2]!)) kernelInclusive[match[2]!] = Number(match[1]);
    }
    return { samples, byObject, kernelInclusive };
  });
}
