// Every benchmark, in the order `npm run bench` runs them.
import { chatBenchmark } from './chat.ts';
import { dbBenchmark } from './db.ts';
import { footprintBenchmark } from './footprint.ts';
import { httpBenchmark } from './http.ts';
import type { Benchmark } from './lib/types.ts';
import { sfuBenchmark } from './sfu.ts';
import { socketsBenchmark } from './sockets.ts';
import { uiBenchmark } from './ui.ts';
import { webrtcBenchmark } from './webrtc.ts';

export const benchmarks: Benchmark[] = [dbBenchmark, httpBenchmark, socketsBenchmark, footprintBenchmark, chatBenchmark, webrtcBenchmark, sfuBenchmark, uiBenchmark];
