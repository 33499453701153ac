// The order of the first test group: the files that take minutes start first, so that none of them is left to run
// alone at the end while the other worker has nothing to do (a fresh clone has no timings, and Vitest then starts
// the largest files first, which these are not).
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** Files that take minutes, longest first (`bench/bench.test.ts`: every benchmark at its tiny size, about 200 s). */
const LONG_FILES = ['bench/bench.test.ts'];

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (file: TestSpecification) => {
      const at = LONG_FILES.findIndex((path) => file.moduleId.endsWith(`/${path}`));
      return at === -1 ? LONG_FILES.length : at;
    };
    return sorted.map((file, i) => ({ file, i })).sort((a, b) => rank(a.file) - rank(b.file) || a.i - b.i).map(({ file }) => file);
  }
}
