// Memory of a whole process tree from /proc: PSS (shared pages split between their users) and RSS, per process.
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessMemory {
  pid: number;
  /** The command, e.g. `node` or `postgres`. */
  name: string;
  pssKiB: number;
  rssKiB: number;
}

export interface TreeMemory {
  processes: ProcessMemory[];
  pssMiB: number;
  rssMiB: number;
}

function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `root` and every process below it. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const parent = parentOf(pid);
    if (parent !== undefined) children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  const tree: number[] = [];
  const visit = (pid: number) => {
    tree.push(pid);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(root);
  return tree;
}

function field(text: string, name: string): number {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
  return match ? Number(match[1]) : 0;
}

/** PSS and RSS of `root`'s whole tree; processes that exit while it is read are left out. */
export function treeMemory(root: number): TreeMemory {
  const processes: ProcessMemory[] = [];
  for (const pid of processTree(root)) {
    try {
      const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
      processes.push({ pid, name, pssKiB: field(rollup, 'Pss'), rssKiB: field(rollup, 'Rss') });
    } catch {
      // Gone between the listing and the read.
    }
  }
  const sum = (key: 'pssKiB' | 'rssKiB') => Math.round((processes.reduce((s, p) => s + p[key], 0) / 1024) * 10) / 10;
  return { processes, pssMiB: sum('pssKiB'), rssMiB: sum('rssKiB') };
}
