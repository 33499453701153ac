// The "what these numbers mean" section of RESULTS.md, with this run's figures filled in where they exist.
import type { Outcome } from './results.ts';

type Data = Record<string, unknown>;

const fmt = (v: number | null | undefined, digits = 0) =>
  v === null || v === undefined || !Number.isFinite(v) ? '?' : v.toLocaleString('en-US', { maximumFractionDigits: digits });

function dataOf(outcomes: Outcome[], name: string): Data | undefined {
  return outcomes.find((o) => o.name === name)?.result?.data;
}

interface HttpMeasured {
  name: string;
  result: { requestsPerSecond: number; latencyMs: { p99: number } };
}

function httpLines(data: Data | undefined): string[] {
  const measured = (data?.measured as HttpMeasured[] | undefined) ?? [];
  const rps = (name: string) => measured.find((m) => m.name === name)?.result.requestsPerSecond;
  const hono = rps('Hono hello');
  const node = rps('node:http hello');
  const routes = measured.filter((m) => m.name.includes('/api/'));
  const bcrypt = data?.bcrypt as { result: { requestsPerSecond: number; latencyMs: { p99: number } }; server: { loop: { p99: number } }; hashMs: { p50: number } } | undefined;
  const lines = [
    `- **http.** The Hono hello ran at ${hono && node ? fmt(hono / node, 2) : '?'}× bare node:http's hello: the framework is not where the time goes. Each Podium route is a few database round trips (GET room: 2 reads; join: a read, then a 5-statement transaction; create: a 2-insert transaction), so its ratio to the Hono hello is the price of PostgreSQL and validation: ${routes.map((r) => `${r.name} ${hono ? fmt(r.result.requestsPerSecond / hono, 3) : '?'}×`).join(', ') || 'not measured'}. Even the slowest route answers far more requests per second than a webinar platform receives: joins come in bursts of tens per minute.`,
  ];
  if (bcrypt) {
    const perSecond = (50 * bcrypt.hashMs.p50) / 1000;
    lines.push(
      `- **bcrypt.** One cost-10 hash costs about ${fmt(bcrypt.hashMs.p50)} ms of CPU here, so 50 password rooms a second ask for ${fmt(perSecond, 1)} cores of hashing on a 2-core machine that also runs PostgreSQL and the load generator; ${fmt(bcrypt.result.requestsPerSecond, 1)} req/s were served and p99 was ${fmt(bcrypt.result.latencyMs.p99)} ms. The event loop stayed responsive (lag p99 ${fmt(bcrypt.server.loop.p99)} ms) because @node-rs/bcrypt hashes on libuv's thread pool: the cost shows up as queueing for CPU, not as a frozen server. Rate limits (10 room creations per 15 minutes per address) keep real traffic far below this.`,
    );
  }
  return lines;
}

function dbLines(data: Data | undefined): string[] {
  const runs = (data?.runs as { engine: string; via: string; concurrency: number; latencyMs: { p50: number }; perSecond: number }[] | undefined) ?? [];
  const pick = (engine: string, via: string, c: number) => runs.find((r) => r.engine === engine && r.via === via && r.concurrency === c);
  const pairs = ['postgres', 'embedded'].map((engine) => {
    const d = pick(engine, 'drizzle', 1);
    const r = pick(engine, 'raw', 1);
    return d && r ? `${engine} ${fmt(d.latencyMs.p50, 2)} ms vs ${fmt(r.latencyMs.p50, 2)} ms (${fmt(d.latencyMs.p50 / r.latencyMs.p50, 2)}×)` : '';
  });
  const extra = ['postgres'].map((engine) => {
    const r = pick(engine, 'raw', 1);
    const u = pick(engine, 'raw unprepared', 1);
    if (!r || !u) return '';
    const [raw, unprepared] = [r.latencyMs.p50, u.latencyMs.p50];
    return ` The same hand-written SQL sent unprepared, as Drizzle sends it on its own, took ${fmt(unprepared, 2)} ms (${fmt(unprepared - raw, 2)} ms more): that is the round trip Podium's handle saves.`;
  });
  return [
    `- **db.** One create-join-read sequence at concurrency 1, Drizzle vs hand-written: ${pairs.filter(Boolean).join('; ') || 'not measured'}. On its own, Drizzle on postgres.js sends every query unprepared (prepare: false unless a query is named), and postgres.js then waits for a Parse/Describe answer before it binds: two round trips per statement where a prepared statement needs one. Podium's PostgreSQL handle (db/client.ts) prepares every statement, as the hand-written baseline does, so both pay one round trip per statement.${extra.join('')} What is left of the Drizzle/raw ratio is Drizzle's own JavaScript (query building, parameter mapping and row decoding on every call). Still, at a few milliseconds per join the database is not what limits a webinar. The embedded default is the same PostgreSQL server reached through a Unix socket, so it runs queries side by side like the external one.`,
  ];
}

function socketLines(data: Data | undefined): string[] {
  const held = (data?.held as { server: string; connected: number; heapPerParticipantKiB: number | null; rssPerParticipantKiB: number | null }[] | undefined) ?? [];
  const top = (server: string) => held.filter((h) => h.server === server && h.connected > 0).sort((a, b) => b.connected - a.connected)[0];
  const podium = top('Podium');
  const bare = top('bare Socket.io');
  if (!podium) return ['- **sockets.** Not measured in this run.'];
  const perGiB = podium.rssPerParticipantKiB ? (1024 * 1024) / podium.rssPerParticipantKiB : Number.NaN;
  return [
    `- **sockets.** A connected participant costs Podium about ${fmt(podium.heapPerParticipantKiB, 1)} KiB of heap (${fmt(podium.rssPerParticipantKiB, 1)} KiB RSS) against ${fmt(bare?.heapPerParticipantKiB, 1)} KiB for a bare Socket.io socket; the difference is what Podium keeps per socket on top of Socket.io (its handshake data, per-participant rate-limit state, presence bookkeeping and Socket.io's connection-state recovery, which Podium switches on). At that rate 1 GiB of RAM holds roughly ${fmt(perGiB)} participants, so memory is not what limits a small VPS; CPU for chat fan-out and the presenter's upload are.`,
  ];
}

function chatLines(data: Data | undefined): string[] {
  const largest = data?.largest as Record<string, number | null> | undefined;
  if (!largest) return ['- **chat.** Not measured in this run.'];
  const bare = largest['bare Socket.io'];
  const podium = Object.entries(largest).filter(([name]) => name !== 'bare Socket.io');
  const webinars = (data?.webinars as { server: string; latencyMs: { p99: number }; cpuMsPer1000: number | null }[] | undefined) ?? [];
  const held = podium.map(([name, r]) => `${name} ${r ?? 'none'}${r && bare ? ` (${fmt((r / bare) * 100)}% of bare)` : ''}`).join(', ');
  const rooms = webinars.map((w) => `${w.server} p99 ${fmt(w.latencyMs.p99, 1)} ms at ${fmt(w.cpuMsPer1000, 1)} ms CPU per 1,000 deliveries`).join('; ');
  return [
    `- **chat.** Fan-out grows with the square of a room: 26 members each sending once a second is 26 writes and 650 deliveries a second per room. Largest R that held here: bare Socket.io ${bare ?? 'none'}, ${held}. Each Podium message is validated, checked against the room's liveness held in memory, stored by a multi-row insert shared with every message of the same moment (one statement per group; a room's groups go one at a time, so order holds), then acked and broadcast; when the database falls behind, senders get \`busy\` with a retry hint instead of an ever longer queue.${rooms ? ` The webinar room: ${rooms}.` : ''} Real webinars chat far less than one message per member per second; the ramp is a stress shape.`,
  ];
}

interface StarStep {
  attendees: number;
  joins: Record<string, number>[];
  perAttendee: { kbps: number; qualityLimitationReason: string | null }[];
  receivedFps: { p50: number };
  glassMs: { p50: number };
  encodeMsPerSecond: number;
  uploadMbps: number;
}

function webrtcLines(data: Data | undefined): string[] {
  const steps = (data?.steps as StarStep[] | undefined) ?? [];
  const joins = steps.flatMap((s) => s.joins);
  const phase = (key: string) => joins.map((j) => j[key] ?? Number.NaN);
  const sorted = (values: number[]) => values.filter(Number.isFinite).sort((a, b) => a - b);
  const median = (values: number[]) => sorted(values)[Math.floor(sorted(values).length / 2)];
  const p95 = (values: number[]) => sorted(values)[Math.max(0, Math.ceil(sorted(values).length * 0.95) - 1)];
  const uiJoins = (data?.uiJoins as { totalMs: number }[] | undefined) ?? [];
  const phases: [string, string][] = [
    ['restMs', 'the REST join'],
    ['socketMs', 'the socket join'],
    ['offerAnswerMs', 'the offer/answer exchange'],
    ['iceMs', 'ICE'],
    ['dtlsMs', 'DTLS'],
    ['firstPacketMs', "the presenter's first packet"],
  ];
  const slowest = phases.map(([key, name]) => [name, p95(phase(key)) ?? 0] as const).sort((a, b) => b[1] - a[1])[0];
  // The healthy step: the largest that still delivered nearly the full 30 frames a second.
  const healthy = [...steps].reverse().find((s) => s.receivedFps.p50 >= 25);
  const last = steps[steps.length - 1];
  const kbps = (s: StarStep | undefined) => (s && s.perAttendee.length ? s.perAttendee.reduce((t, p) => t + p.kbps, 0) / s.perAttendee.length : Number.NaN);
  const perPeer = (s: StarStep | undefined) => (s ? s.encodeMsPerSecond / s.attendees : Number.NaN);
  const neverLimited = steps.every((s) => s.perAttendee.every((p) => p.qualityLimitationReason === 'none'));
  const lines = [
    `- **webrtc: joining.** From the Join click to the first decoded frame took ${fmt(median(uiJoins.map((j) => j.totalMs)))} ms (median) through Podium's UI and ${fmt(median(phase('totalMs')))} ms (median, p95 ${fmt(p95(phase('totalMs')))} ms) in the bench's star pages. At the median Podium's own part (REST join and socket join-room) is ${fmt(median(joins.map((j) => (j.restMs ?? 0) + (j.socketMs ?? 0))))} ms.${slowest ? ` In the slow joins (which come when the machine is busy with a large star) the phase that grows most is ${slowest[0]}, p95 ${fmt(slowest[1])} ms.` : ''}`,
    '- **webrtc: the star\'s upload arithmetic.** In P2P mode the presenter\'s browser encodes and sends one copy of its video per attendee, so',
    '  presenter upload ≈ attendees × per-attendee bitrate.',
  ];
  if (healthy) {
    lines.push(
      `  Here, with ${healthy.attendees} attendee(s) (the largest step that kept about 30 frames/s), each got about ${fmt(kbps(healthy))} kbit/s, ${fmt(healthy.uploadMbps, 2)} Mbit/s of upload in all, and the presenter's encoders used ${fmt(healthy.encodeMsPerSecond)} ms per second (${fmt(perPeer(healthy))} ms/s per peer: every peer connection runs its own encoder, so encoding grows with the audience like the upload does).`,
    );
  }
  if (last && last !== healthy) {
    lines.push(
      `  At ${last.attendees} attendees the presenter could not keep up: ${fmt(last.receivedFps.p50, 1)} frames/s reached the median attendee, glass-to-glass p50 rose to ${fmt(last.glassMs.p50)} ms, and encoding took ${fmt(last.encodeMsPerSecond)} ms per second.${neverLimited ? ' Chrome reported no qualityLimitationReason at any step: the encoders were starved of CPU rather than adapted, so viewers simply got fewer frames.' : ''}`,
    );
  }
  lines.push(
    "  Loopback has no bandwidth limit, so these bitrates are where Chrome's bandwidth estimate had climbed a few seconds after each join (it starts near 300 kbit/s), for a 640×360 canvas; they understate a settled call. A real camera at 720p wants 1.5–2.5 Mbit/s per copy: 10 attendees ask 15–25 Mbit/s of upload, 25 ask 40–60 Mbit/s, beyond most home and office uplinks (10–40 Mbit/s).",
    "  **Where an SFU takes over:** once attendees × bitrate passes about half the presenter's uplink, or the per-peer encoders pass about half of the presenter's CPU, the star stops scaling. For camera video that is around 6–10 attendees (fewer on a weak uplink or laptop; more for audio-only or low-frame-rate screen shares). Past that, rooms move to the SFU (Janus VideoRoom): the presenter uploads once (or three simulcast layers) and the server's egress, not the presenter's, grows with the audience.",
  );
  return lines;
}

function uiLines(data: Data | undefined): string[] {
  const assets = Object.values((data?.assets as Record<string, { gzip: number }> | undefined) ?? {});
  const gzip = assets.reduce((s, a) => s + a.gzip, 0);
  const loads = (data?.loads as { ttiMs: number }[] | undefined) ?? [];
  const tti = loads.map((l) => l.ttiMs).sort((a, b) => a - b)[Math.floor(loads.length / 2)];
  return [
    `- **ui.** The first page costs ${fmt(gzip / 1024, 1)} KiB of gzipped JavaScript and CSS: about ${fmt((gzip * 8) / 1.6e6, 2)} s on a 1.6 Mbit/s mobile link before parsing. Time to interactive over loopback, ${fmt(tti)} ms, is the floor a fast machine sees; a mid-range phone parses and runs JavaScript 3–5× slower.`,
  ];
}

interface FootprintReading {
  variant: string;
  participants: number;
  connected: number;
  pssMiB: number;
  heapMiB: number;
}

function footprintLines(data: Data | undefined): string[] {
  const readings = (data?.readings as FootprintReading[] | undefined) ?? [];
  if (!readings.length) return [];
  const at = (variant: string, participants: number) => readings.find((r) => r.variant === variant && r.participants === participants);
  const most = Math.max(...readings.map((r) => r.participants));
  const perParticipant = (variant: string, key: 'pssMiB' | 'heapMiB' = 'pssMiB') => {
    const first = at(variant, 26);
    const last = at(variant, most);
    return first && last && last.connected > first.connected ? ((last[key] - first[key]) * 1024) / (last.connected - first.connected) : undefined;
  };
  const embedded = 'Podium, embedded PostgreSQL';
  const external = 'Podium, external PostgreSQL';
  const bare = perParticipant('bare Socket.io');
  const own = perParticipant(embedded);
  const nodeOnly = perParticipant(external);
  const heap = perParticipant(external, 'heapMiB');
  const bareHeap = perParticipant('bare Socket.io', 'heapMiB');
  const times = (a: number | undefined, b: number | undefined) => (a && b ? fmt(a / b, 2) : '?');
  const tsxIdle = at('Podium under tsx, embedded PostgreSQL', 0);
  return [
    `- **footprint.** The embedded default — Podium and its own PostgreSQL — idled at ${fmt(at(embedded, 0)?.pssMiB)} MiB of PSS for the whole tree and held ${fmt(most)} connected participants (50 rooms of 26) in ${fmt(at(embedded, most)?.pssMiB)} MiB: a 1 GB VPS keeps most of its memory for the system and the page cache. Read after forced GCs once the joins had settled, each participant added ${fmt(own, 1)} KiB to the whole tree against ${fmt(bare, 1)} KiB on a bare Socket.io server (${times(own, bare)}×), and ${fmt(nodeOnly, 1)} KiB on the external PostgreSQL, where the tree is Node alone (${times(nodeOnly, bare)}×; the goal is ≤ 1.3×). Of that, V8's live heap was ${fmt(heap, 1)} KiB against ${fmt(bareHeap, 1)} KiB (${times(heap, bareHeap)}×): what Podium's objects hold per socket; the rest is memory outside V8's heap, mostly what the C allocator keeps after the join burst. The step from idle to the first room is mostly the pool opening its connections, each a PostgreSQL backend of a few MiB. RSS adds shared pages once per process, so for a tree of PostgreSQL processes it is far above what the machine really gives them; PSS is the figure to hold against the machine's memory. The tsx loader cost ${tsxIdle && at(embedded, 0) ? fmt(tsxIdle.pssMiB - (at(embedded, 0)?.pssMiB ?? 0)) : '?'} MiB idle, which is why production and \`npm start\` run the compiled build/.`,
  ];
}

export function meaning(outcomes: Outcome[]): string[] {
  return [
    '## What these numbers mean',
    '',
    '- **Read the ratios.** Every figure sits next to a baseline measured minutes apart on the same machine; absolute numbers move with the machine and with whatever else it is doing, ratios much less.',
    ...httpLines(dataOf(outcomes, 'http')),
    ...dbLines(dataOf(outcomes, 'db')),
    ...socketLines(dataOf(outcomes, 'sockets')),
    ...footprintLines(dataOf(outcomes, 'footprint')),
    ...chatLines(dataOf(outcomes, 'chat')),
    ...webrtcLines(dataOf(outcomes, 'webrtc')),
    ...uiLines(dataOf(outcomes, 'ui')),
  ];
}
