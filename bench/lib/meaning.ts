// The "what these numbers mean" section of RESULTS.md: one short reading per benchmark, computed from this run's
// figures. Readings state figures and ratios only; why the code behaves so is said in comments beside that code.
import type { Outcome } from './results.ts';

type Data = Record<string, unknown>;

const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || !Number.isFinite(v) ? '?' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

const ratio = (a: number | null | undefined, b: number | null | undefined, digits = 2) => (a && b ? `${fmt(a / b, digits)}×` : '?');

function median(values: number[]): number | undefined {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function dataOf(outcomes: Outcome[], name: string): Data | undefined {
  return outcomes.find((o) => o.name === name)?.result?.data;
}

interface HttpMeasured {
  name: string;
  result: { requestsPerSecond: number };
}

function httpLine(data: Data): string {
  const measured = (data.measured as HttpMeasured[] | undefined) ?? [];
  const rps = (name: string) => measured.find((m) => m.name === name)?.result.requestsPerSecond;
  const hono = rps('Hono hello');
  const routes = measured.filter((m) => m.name.includes('/api/'));
  const bcrypt = data.bcrypt as { result: { requestsPerSecond: number }; server: { loop: { p99: number } }; hashMs: { p50: number } } | undefined;
  const routeRatios = routes.map((r) => `${r.name} ${ratio(r.result.requestsPerSecond, hono, 3)}`).join(', ');
  const hashing = bcrypt
    ? ` A cost-10 bcrypt hash took ${fmt(bcrypt.hashMs.p50)} ms; password joins ran at ${fmt(bcrypt.result.requestsPerSecond, 1)} req/s with event-loop lag p99 ${fmt(bcrypt.server.loop.p99)} ms.`
    : '';
  return `- **http.** Hono's hello at ${ratio(hono, rps('node:http hello'))} node:http's; Podium's routes against Hono's hello: ${routeRatios || 'not measured'}.${hashing}`;
}

interface DbRun {
  engine: string;
  via: string;
  concurrency: number;
  latencyMs: { p50: number };
}

function dbLine(data: Data): string {
  const runs = (data.runs as DbRun[] | undefined) ?? [];
  const p50 = (engine: string, via: string) => runs.find((r) => r.engine === engine && r.via === via && r.concurrency === 1)?.latencyMs.p50;
  const pairs = ['postgres', 'embedded'].map(
    (engine) => `${engine} ${fmt(p50(engine, 'drizzle'), 2)} ms vs ${fmt(p50(engine, 'raw'), 2)} ms (${ratio(p50(engine, 'drizzle'), p50(engine, 'raw'))})`,
  );
  const unprepared = p50('postgres', 'raw unprepared');
  const extra = unprepared ? `; the same SQL unprepared ${fmt(unprepared, 2)} ms` : '';
  return `- **db.** Create, join and read at concurrency 1, p50, Drizzle vs hand-written: ${pairs.join('; ')}${extra}.`;
}

function socketLine(data: Data): string {
  const held = (data.held as { server: string; connected: number; heapPerParticipantKiB: number | null; rssPerParticipantKiB: number | null }[] | undefined) ?? [];
  const top = (server: string) => held.filter((h) => h.server === server && h.connected > 0).sort((a, b) => b.connected - a.connected)[0];
  const podium = top('Podium');
  const bare = top('bare Socket.io');
  const perGiB = podium?.rssPerParticipantKiB ? (1024 * 1024) / podium.rssPerParticipantKiB : undefined;
  return `- **sockets.** Heap per connected participant: Podium ${fmt(podium?.heapPerParticipantKiB, 1)} KiB, bare Socket.io ${fmt(bare?.heapPerParticipantKiB, 1)} KiB (${ratio(podium?.heapPerParticipantKiB, bare?.heapPerParticipantKiB)}); at Podium's ${fmt(podium?.rssPerParticipantKiB, 1)} KiB of RSS each, 1 GiB holds about ${fmt(perGiB)} participants.`;
}

interface FootprintReading {
  variant: string;
  participants: number;
  connected: number;
  pssMiB: number;
  heapMiB: number;
}

function footprintLine(data: Data): string {
  const readings = (data.readings as FootprintReading[] | undefined) ?? [];
  const at = (variant: string, participants: number) => readings.find((r) => r.variant === variant && r.participants === participants);
  const most = Math.max(0, ...readings.map((r) => r.participants));
  // Once warm: from the step before the last to the last (25 to 50 rooms), the goal's reading; and from the first room.
  const perParticipant = (variant: string, key: 'pssMiB' | 'heapMiB' = 'pssMiB', sinceFirst = false) => {
    const steps = readings.filter((r) => r.variant === variant && r.participants > 0);
    const first = sinceFirst ? steps[0] : steps.at(-2);
    const last = steps.at(-1);
    return first && last && last.connected > first.connected ? ((last[key] - first[key]) * 1024) / (last.connected - first.connected) : undefined;
  };
  const embedded = 'Podium, embedded PostgreSQL';
  const external = 'Podium, external PostgreSQL';
  const bare = perParticipant('bare Socket.io');
  const own = perParticipant(embedded);
  const nodeOnly = perParticipant(external);
  const heap = perParticipant(external, 'heapMiB');
  const bareHeap = perParticipant('bare Socket.io', 'heapMiB');
  const [bareFirst, ownFirst, nodeFirst] = ['bare Socket.io', embedded, external].map((v) => perParticipant(v, 'pssMiB', true));
  const idle = at(embedded, 0)?.pssMiB;
  const tsxIdle = at('Podium under tsx, embedded PostgreSQL', 0)?.pssMiB;
  return `- **footprint.** The embedded default's whole tree: ${fmt(idle)} MiB PSS idle, ${fmt(at(embedded, most)?.pssMiB)} MiB with ${fmt(most)} participants. Per participant added once the server was warm (the last step), read after forced GCs once the joins had settled: ${fmt(own, 1)} KiB for that tree, ${fmt(nodeOnly, 1)} KiB for Podium alone on the external PostgreSQL, against bare Socket.io's ${fmt(bare, 1)} KiB (${ratio(own, bare)}, ${ratio(nodeOnly, bare)}; the goal is ≤ 1.3×; from the first room: ${ratio(ownFirst, bareFirst)}, ${ratio(nodeFirst, bareFirst)}); V8's live heap ${fmt(heap, 1)} KiB against ${fmt(bareHeap, 1)} KiB (${ratio(heap, bareHeap)}); the tsx loader added ${fmt(tsxIdle && idle ? tsxIdle - idle : undefined)} MiB idle.`;
}

function chatLine(data: Data): string {
  const largest = (data.largest as Record<string, number | null> | undefined) ?? {};
  const bare = largest['bare Socket.io'];
  const podium = Object.entries(largest).filter(([name]) => name !== 'bare Socket.io');
  const held = podium.map(([name, r]) => `${name} ${r ?? 'none'} (${r && bare ? `${fmt((r / bare) * 100)}%` : '?'} of bare)`).join(', ');
  const webinars = (data.webinars as { server: string; latencyMs: { p99: number }; cpuMsPer1000: number | null }[] | undefined) ?? [];
  const rooms = webinars.map((w) => `${w.server} p99 ${fmt(w.latencyMs.p99, 1)} ms, ${fmt(w.cpuMsPer1000, 1)} ms CPU per 1,000 deliveries`).join('; ');
  return `- **chat.** Largest R held: bare Socket.io ${bare ?? 'none'}, ${held || 'Podium not measured'}.${rooms ? ` The webinar room: ${rooms}.` : ''}`;
}

interface StarStep {
  attendees: number;
  joins: Record<string, number>[];
  receivedFps: { p50: number };
  glassMs: { p50: number };
  encodeMsPerSecond: number;
  uploadMbps: number;
}

function webrtcLine(data: Data): string {
  const steps = (data.steps as StarStep[] | undefined) ?? [];
  const uiJoins = (data.uiJoins as { totalMs: number }[] | undefined) ?? [];
  // The largest step that still delivered nearly the full 30 frames a second.
  const healthy = [...steps].reverse().find((s) => s.receivedFps.p50 >= 25);
  const last = steps[steps.length - 1];
  const describe = (s: StarStep) =>
    `at ${s.attendees} attendee(s) ${fmt(s.receivedFps.p50, 1)} fps p50, glass-to-glass p50 ${fmt(s.glassMs.p50)} ms, ${fmt(s.uploadMbps, 2)} Mbit/s up, encode ${fmt(s.encodeMsPerSecond)} ms/s`;
  const shown = [healthy, last !== healthy ? last : undefined].filter((s): s is StarStep => s !== undefined);
  return `- **webrtc.** Join click to first frame: ${fmt(median(uiJoins.map((j) => j.totalMs)))} ms p50 through the UI, ${fmt(median(steps.flatMap((s) => s.joins.map((j) => j.totalMs ?? Number.NaN))))} ms p50 in the star pages. Star: ${shown.map(describe).join('; ') || 'not measured'}.`;
}

interface ModeStep {
  mode: 'star' | 'sfu';
  audience?: 'chromium' | 'light' | 'receivers';
  attendees: number;
  encodeMsPerS: number;
  receivedFpsP50: number;
  receivedFpsMin?: number;
  firstFrameP95: number;
  glassP95: number;
}

const AUDIENCES = { chromium: 'Chromium attendees', light: 'decoding Node attendees', receivers: 'Node attendees mostly receiving only' } as const;

function sfuLine(data: Data): string {
  const modes = (data.modes as ModeStep[] | undefined) ?? [];
  const of = (mode: 'star' | 'sfu', audience: keyof typeof AUDIENCES) => modes.filter((m) => m.mode === mode && (m.audience ?? 'chromium') === audience);
  const largest = (steps: ModeStep[]) => [...steps].sort((a, b) => b.attendees - a.attendees)[0];
  const describe = (m: ModeStep | undefined) =>
    m
      ? `${m.mode} at ${m.attendees} (${AUDIENCES[m.audience ?? 'chromium']}): ${fmt(m.receivedFpsP50, 1)} fps p50${m.receivedFpsMin === undefined ? '' : ` (slowest ${fmt(m.receivedFpsMin, 1)})`}, first frame p95 ${fmt(m.firstFrameP95)} ms, glass-to-glass p95 ${fmt(m.glassP95)} ms`
      : '';
  const rows = [largest(of('star', 'chromium')), ...(['chromium', 'light', 'receivers'] as const).map((a) => largest(of('sfu', a)))];
  // The encode goal is read where the machine can hold the attendees: with Chromium attendees at 25, 26 pages on
  // 2 cores leave the presenter's page too little to encode anything, and the ratio says nothing about Janus.
  const audience = of('sfu', 'receivers').length > 0 ? 'receivers' : 'chromium';
  const sfu = largest(of('sfu', audience));
  const one = of('sfu', audience).find((m) => m.attendees === 1);
  const encode = sfu && one ? `; the presenter's encode on the SFU at ${sfu.attendees} attendees (${AUDIENCES[audience]}) was ${ratio(sfu.encodeMsPerS, one.encodeMsPerS)} its cost at 1` : '';
  const subscribers = (data.steps as { subscribers: number; subscribersPerCore: number }[] | undefined) ?? [];
  const top = subscribers[subscribers.length - 1];
  const janus = top ? ` Janus served ${fmt(top.subscribersPerCore)} video subscribers per core at ${top.subscribers} subscribers.` : '';
  return `- **sfu.** ${rows.map(describe).filter(Boolean).join('; ') || 'Star and SFU not measured'}${encode}.${janus}`;
}

function uiLine(data: Data): string {
  const gzip = Object.values((data.assets as Record<string, { gzip: number }> | undefined) ?? {}).reduce((s, a) => s + a.gzip, 0);
  const tti = median(((data.loads as { ttiMs: number }[] | undefined) ?? []).map((l) => l.ttiMs));
  return `- **ui.** ${fmt(gzip / 1024, 1)} KiB of gzipped JavaScript and CSS on the first page (${fmt((gzip * 8) / 1.6e6, 2)} s at 1.6 Mbit/s); time to interactive over loopback ${fmt(tti)} ms p50.`;
}

const readings: [name: string, line: (data: Data) => string][] = [
  ['http', httpLine],
  ['db', dbLine],
  ['sockets', socketLine],
  ['footprint', footprintLine],
  ['chat', chatLine],
  ['webrtc', webrtcLine],
  ['sfu', sfuLine],
  ['ui', uiLine],
];

export function meaning(outcomes: Outcome[]): string[] {
  const lines = readings.flatMap(([name, line]) => {
    const data = dataOf(outcomes, name);
    return data ? [line(data)] : [];
  });
  return [
    '## What these numbers mean',
    '',
    '- **Read the ratios.** Every figure sits next to a baseline measured minutes apart on the same machine; absolute numbers move with the machine and its load, ratios much less.',
    ...lines,
  ];
}
