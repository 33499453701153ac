// The "what these numbers mean" section of RESULTS.md, with this run's figures filled in where they exist.
import type { Outcome } from './results.ts';

export function meaning(_outcomes: Outcome[]): string[] {
  return ['## What these numbers mean', '', 'To be written from the first full run.'];
}
