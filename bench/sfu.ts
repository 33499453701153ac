// sfu: Janus's CPU per video subscriber, ramped with light WebRTC subscribers (Node, @roamhq/wrtc) through Podium.
import { childProcessNamed, cpuSeconds } from '../e2e/harness.ts';
import { findOnPath } from '../managed/process.ts';
import { killPeers, startPeer, type TestPeer } from '../signaling/testing-sfu.ts';
import { cpuMeter } from './lib/machine.ts';
import { countEvents, perfAvailable, profileProcess, type Profile } from './lib/perf.ts';
import { starVersusSfu } from './sfu-ui.ts';
import { createRoom, joinRoom, startPodium } from './lib/podium.ts';
import { round, summarize } from './lib/stats.ts';
import { secondsLeft, type Benchmark, type BenchContext, type Cell } from './lib/types.ts';

interface Step {
  subscribers: number;
  decoding: number;
  janusCores: number;
  janusCoresPerSubscriber: number | null;
  subscribersPerCore: number | null;
  receivedFpsP50: number | null;
  machineBusy: number;
  /** Datagrams Janus sent per subscriber per second, and RTCP it read from each (perf; null without it). */
  sentPerSubscriber: number | null;
  readPerSubscriber: number | null;
  /** Janus CPU per datagram it sent to the subscribers, µs: what each subscriber adds over what each adds in datagrams. */
  usPerPacket: number | null;
  /** Janus's whole CPU over all it sent, µs per datagram (what the profile's shares divide). */
  usPerPacketAll: number | null;
}

/**
 * The parts of Janus's profile: kernel functions with all they call (call graphs), the kernel's remainder, and
 * shared objects' own time.
 */
type ProfilePart = { part: string } & ({ kernel: string } | { kernelRest: true } | { objects: RegExp });
const PROFILE_PARTS: ProfilePart[] = [
  { part: 'kernel: loopback delivery into the subscribers’ sockets (their receive path, charged to the sender here)', kernel: 'net_rx_action' },
  { part: 'kernel: threads sleeping and waking (a media loop wakes for each packet queued to it)', kernel: '__schedule' },
  { part: 'kernel: the rest (sendmsg, recvmsg, poll, eventfd)', kernelRest: true },
  { part: 'SRTP and SRTCP: libsrtp2 and the NSS crypto Debian builds it on', objects: /^lib(srtp2|softokn3|freeblpriv3|nss3|nspr4|nssutil3|plds4|plc4)\./ },
  { part: 'GLib main loops and queues (GLib, GIO, GObject)', objects: /^lib(glib|gio|gobject)-2\.0/ },
  { part: 'libc: malloc and free, locks', objects: /^libc\.so/ },
  { part: 'ICE (libnice)', objects: /^libnice\./ },
  { part: 'Janus itself and the VideoRoom plugin', objects: /^(janus$|libjanus_)/ },
];

/** Janus's profile as rows: each part's share of its CPU, and its µs per datagram sent. */
function profileRows(profile: Profile, usPerPacket: number | null): Cell[][] {
  const sum = (test: (object: string) => boolean) => Object.entries(profile.byObject).filter(([o]) => test(o)).reduce((n, [, v]) => n + v, 0);
  const kernelTotal = sum((o) => o.startsWith('[kernel'));
  const kernelNamed = PROFILE_PARTS.reduce((n, p) => n + ('kernel' in p ? (profile.kernelInclusive[p.kernel] ?? 0) : 0), 0);
  const row = (part: string, share: number): Cell[] => [part, round(share, 1), usPerPacket === null ? null : round((share / 100) * usPerPacket, 1)];
  const rows = PROFILE_PARTS.map((p) =>
    row(p.part, 'kernel' in p ? (profile.kernelInclusive[p.kernel] ?? 0) : 'kernelRest' in p ? Math.max(0, kernelTotal - kernelNamed) : sum((o) => p.objects.test(o))),
  );
  const accounted = rows.reduce((n, r) => n + (r[1] as number), 0);
  rows.push(row('everything else', Math.max(0, 100 - accounted)));
  return rows;
}

/** Published figures to read ours against (video subscribers per core), with where they come from. */
const ANCHORS: Array<[string, number, string]> = [
  ['SRS (WebRTC players, 600 kbit/s)', 2000, 'ossrs/srs trunk/doc/PERFORMANCE.md'],
  ['Janus (same table)', 350, 'ossrs/srs trunk/doc/PERFORMANCE.md'],
  ['mediasoup (consumers per worker = core)', 500, 'mediasoup scalability docs'],
  ['LiveKit (3,000 subscribers on 16 cores)', 187, 'LiveKit self-hosting benchmark'],
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitAll(peers: TestPeer[], event: string, ms: number): Promise<number> {
  const results = await Promise.allSettled(peers.map((p) => p.waitFor((f) => f.event === event, ms)));
  return results.filter((r) => r.status === 'fulfilled').length;
}

export const sfuBenchmark: Benchmark = {
  name: 'sfu',
  title: 'star vs SFU through the UI, and Janus CPU per video subscriber with light Node WebRTC subscribers',
  budgetSeconds: 1800,
  async run(ctx: BenchContext) {
    const notes: string[] = [];
    if (!findOnPath('janus')) {
      return {
        tables: [{ title: 'Janus', columns: ['result'], rows: [['janus is not installed (apt-get install janus)']] }],
        notes,
        data: {},
      };
    }
    const ramp = ctx.size === 'tiny' ? [2] : [5, 10, 20, 30, 40];
    const windowMs = ctx.size === 'tiny' ? 2_000 : 10_000;
    const server = await startPodium({ env: { MEDIA_MODE: 'sfu' } });
    const steps: Step[] = [];
    let profile: Profile | null = null;
    let profiledAt: Step | null = null;
    let stopReason = 'the ramp ended';
    try {
      const janus = childProcessNamed(server.child.pid, 'janus');
      if (!janus) throw new Error('the server started no Janus');
      const room = await createRoom(server.base, { title: 'sfu bench', maxParticipants: 200 });
      const publisher = startPeer(server.base, room.presenterToken, 'publish');
      await publisher.waitFor((f) => f.event === 'published', 30_000);
      const busy = cpuMeter();
      const perf = await perfAvailable();
      // Datagrams Janus sent, and those it read (a read that found nothing returns -1 and is not counted).
      const SENT = 'syscalls:sys_enter_sendmsg';
      const READ = 'syscalls:sys_exit_recvmsg';
      const measure = async () => {
        const before = cpuSeconds(janus);
        const started = performance.now();
        busy();
        const counting = perf ? countEvents(janus, [[SENT], [READ, 'ret > 0']], windowMs / 1000) : sleep(windowMs).then(() => null);
        const counts = await counting;
        const seconds = (performance.now() - started) / 1000;
        return {
          cores: (cpuSeconds(janus) - before) / seconds,
          machine: busy(),
          sent: counts ? (counts[SENT] ?? 0) / seconds : null,
          read: counts ? (counts[READ] ?? 0) / seconds : null,
        };
      };
      // Janus receiving the publisher and forwarding to nobody: what each subscriber adds is measured above it.
      const idle = await measure();
      const subscribers: TestPeer[] = [];
      for (const target of ramp) {
        if (ctx.size === 'full' && secondsLeft(ctx) < (windowMs / 1000) * 2 + 20) {
          stopReason = 'the time budget ran out';
          break;
        }
        while (subscribers.length < target) {
          const joined = await joinRoom(server.base, room.slug, `Subscriber ${subscribers.length + 1}`);
          subscribers.push(startPeer(server.base, joined.token, 'subscribe'));
        }
        const decoding = await waitAll(subscribers, 'first-frame', 60_000);
        const framesBefore = subscribers.map((s) => s.frames());
        const { cores, machine, sent, read } = await measure();
        const fps = subscribers.map((s, i) => (s.frames() - framesBefore[i]!) / (windowMs / 1000)).sort((a, b) => a - b);
        // Above idle: in a short window a small difference can fall below the noise of /proc's 10 ms ticks and
        // the packet counts, and a figure below zero would say nothing: none is given then.
        const above = (now: number | null, before: number | null) => (now !== null && before !== null && now > before ? now - before : null);
        const janusAdded = above(cores, idle.cores);
        const sentAdded = above(sent, idle.sent);
        const readAdded = above(read, idle.read);
        const perSubscriber = janusAdded === null ? null : janusAdded / target;
        steps.push({
          subscribers: target,
          decoding,
          janusCores: cores,
          janusCoresPerSubscriber: perSubscriber,
          subscribersPerCore: perSubscriber && perSubscriber > 0 ? 1 / perSubscriber : null,
          receivedFpsP50: summarize(fps).p50,
          machineBusy: machine,
          sentPerSubscriber: sentAdded === null ? null : sentAdded / target,
          readPerSubscriber: readAdded === null ? null : readAdded / target,
          usPerPacket: janusAdded === null || sentAdded === null ? null : (janusAdded / sentAdded) * 1e6,
          usPerPacketAll: sent ? (cores / sent) * 1e6 : null,
        });
        ctx.log(`sfu: ${target} subscribers, Janus ${round(cores * 100, 1)} % of a core, machine ${round(machine * 100)} % busy`);
        if (decoding < target * 0.9 || (fps[0] ?? 0) < 1) {
          stopReason = `at ${target} subscribers not all of them decoded any more (the subscribers decode on the same cores as Janus)`;
          break;
        }
      }
      // Where Janus's CPU goes with the most subscribers the ramp reached, sampled after its last window.
      if (perf && steps.length > 0) {
        profile = await profileProcess(janus, windowMs / 1000, ['net_rx_action', '__schedule']);
        profiledAt = steps.at(-1)!;
      }
      notes.push(
        `Janus idle (one publisher, no subscriber): ${round(idle.cores * 100, 2)} % of a core; each step's cost per subscriber is measured above that.`,
        `The publisher is a Node WebRTC peer sending 320x240 VP8 at 15 fps (no simulcast); each subscriber is its own Node process that decodes (@roamhq/wrtc), on the same machine as Janus: ${stopReason}.`,
        'Subscribers per core = 1 / (Janus CPU per subscriber). The anchors are other servers’ published figures at their own bitrates and machines; read them as orders of magnitude.',
      );
    } finally {
      killPeers();
      await server.stop();
    }
    const modes = await starVersusSfu(ctx);
    notes.push(
      'Star vs SFU: the real UI in headless Chromium, one context per attendee joining one after another; the presenter’s camera is a 1280x720 canvas at 30 fps with the wall clock painted in it (three simulcast layers on the SFU); encode ms/s and upload are summed over every connection of the presenter page (1000 ms/s = one core encoding full time); received fps is the median attendee over the window; first frame runs from the Join click to the first decoded camera frame. All pages share the machine with Janus and the server.',
      'Node attendees: the same presenter page, each attendee a Node process joined over REST that subscribes through Podium’s signaling as the page does and reports its stats every 2 s (so Podium picks its layer as for a browser); first frame runs from its socket’s connect to its first frame (no page load); the size column is the frame size (and layer) each ended the window on, the CPU column the median attendee process. "Decoding": @roamhq/wrtc (libwebrtc), which decodes every frame and reads the clock from it. "Receiving": werift (WebRTC in TypeScript), which counts the complete frames that arrive (RTP marker bit) without decoding them and reads keyframe sizes from the VP8 header; its received fps and first frame are what reached it, glass-to-glass comes from the one that decodes (the first to join; three did until 2026-12-01, and the two more decoders took 0.3–0.4 of the 2 cores). Once it receives, each receiver runs at niceness 10: it stands in for an attendee on a machine of its own, so it yields the cores to the presenter’s page, Janus, Podium and the one that measures (it joins at normal priority, so its first frame is measured as the others’).',
    );
    const rows: Cell[][] = steps.map((s) => [
      s.subscribers,
      s.decoding,
      round(s.janusCores * 100, 2),
      s.janusCoresPerSubscriber === null ? null : round(s.janusCoresPerSubscriber * 1000, 2),
      s.subscribersPerCore === null ? null : Math.round(s.subscribersPerCore),
      s.receivedFpsP50 === null ? null : round(s.receivedFpsP50, 1),
      round(s.machineBusy * 100),
      s.sentPerSubscriber === null ? null : Math.round(s.sentPerSubscriber),
      s.readPerSubscriber === null ? null : round(s.readPerSubscriber, 1),
      s.usPerPacket === null ? null : round(s.usPerPacket, 1),
    ]);
    if (profile && profiledAt) {
      notes.push(
        `Janus's profile: perf record -g on every Janus thread for ${windowMs / 1000} s after the ${profiledAt.subscribers}-subscriber window, ${profile.samples} samples; shares are of Janus's own CPU; kernel parts include what they call, libraries count their own time. µs per packet = the share × Janus’s CPU over the datagrams it sent in that window (all of them, the publisher’s handling included). In the ramp, µs per packet sent is what the subscribers added: Janus CPU above idle over datagrams sent above idle.`,
      );
    } else {
      notes.push('perf is not installed (apt-get install linux-perf), so there are no packet counts and no profile.');
    }
    return {
      tables: [
        {
          title: 'The same room as a star and on Janus (MEDIA_MODE=star, MEDIA_MODE=sfu)',
          columns: [
            'mode',
            'attendees are',
            'attendees',
            'presenter encode ms/s',
            'presenter upload Mbit/s',
            'presenter sent fps',
            'encoder limited by',
            'received fps p50',
            'received fps min',
            'received size',
            'attendee CPU ms/s',
            'machine busy %',
            'first frame p50 ms',
            'first frame p95 ms',
            'no frame in 30 s',
            'glass p50 ms',
            'glass p95 ms',
          ],
          rows: modes.rows,
        },
        {
          title: 'Janus (Podium’s managed configuration) under light subscribers',
          columns: [
            'subscribers',
            'decoding',
            'Janus CPU %',
            'ms CPU/s per subscriber',
            'subscribers per core',
            'received fps p50',
            'machine busy %',
            'packets sent per subscriber per s',
            'RTCP read per subscriber per s',
            'Janus µs per packet sent',
          ],
          rows,
        },
        ...(profile && profiledAt
          ? [
              {
                title: `Where Janus’s CPU goes at ${profiledAt.subscribers} subscribers (perf)`,
                columns: ['part', '% of Janus CPU', 'µs per packet sent'],
                rows: profileRows(profile, profiledAt.usPerPacketAll),
              },
            ]
          : []),
        {
          title: 'Published anchors (video subscribers per core)',
          columns: ['server', 'subscribers per core', 'source'],
          rows: ANCHORS.map(([name, perCore, source]) => [name, perCore, source]),
        },
      ],
      notes,
      data: { steps, modes: modes.steps, profile },
    };
  },
};
