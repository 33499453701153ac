// Load generator for the sockets and chat benchmarks: many Socket.io clients in one process, so one clock times every delivery.
import { io, type Socket } from 'socket.io-client';
import type { Member } from '../lib/podium.ts';
import { summarize } from '../lib/stats.ts';
import { serveRequests } from '../lib/serve-requests.ts';

/** What every load run reports from its counts: sends accepted and refused, copies expected and delivered. */
function loadFigures(
  counts: { sent: number; accepted: number; rejected: number; rejections: Map<string, number>; unanswered: number; expected: number; delivered: number },
  sendingSeconds: number,
  cpu: NodeJS.CpuUsage,
) {
  return {
    seconds: sendingSeconds,
    sent: counts.sent,
    accepted: counts.accepted,
    rejected: counts.rejected,
    rejections: Object.fromEntries(counts.rejections),
    unanswered: counts.unanswered,
    expected: counts.expected,
    delivered: counts.delivered,
    // Messages the server accepted whose copies did not all arrive, counted per missing copy.
    lost: Math.max(0, counts.expected - counts.delivered),
    deliveriesPerSecond: counts.delivered / sendingSeconds,
    clientCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / (sendingSeconds * 1000)) * 1000) / 10,
  };
}

const latencyFigures = (s: ReturnType<typeof summarize>) => ({ p50: s.p50, p95: s.p95, p99: s.p99, max: s.max, mean: s.mean });

interface Client {
  index: number;
  slug: string;
  socket: Socket;
  room: number;
}

interface ChatMessageEvent {
  message: { message: string; participantId?: string | null };
}

const clients: Client[] = [];
/** Bumped per chat run: Podium treats a repeated clientMessageId as a retry and does not broadcast it again. */
let chatRound = 0;
const roomSizes = new Map<string, number>();

function connectOne(url: string, member: Member, index: number, timeoutMs: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    // forceNew: one engine.io connection per client, as separate browsers would have; no reconnects to blur the counts.
    const socket = io(url, { auth: { token: member.token }, transports: ['websocket'], forceNew: true, reconnection: false, timeout: timeoutMs });
    const fail = (why: string) => {
      socket.close();
      reject(new Error(why));
    };
    socket.once('connect_error', (err) => fail(`connect_error: ${err.message}`));
    socket.once('connect', async () => {
      try {
        const ack = (await socket.timeout(timeoutMs).emitWithAck('join-room', { slug: member.slug })) as { ok: boolean; error?: { code: string } };
        if (!ack.ok) return fail(`join-room: ${ack.error?.code ?? 'refused'}`);
        resolve({ index, slug: member.slug, socket, room: 0 });
      } catch (err) {
        fail(`join-room: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
}

/** Opens sockets for `members` (adding to those already open), `concurrency` handshakes at a time. */
async function connect(body: { url: string; members: Member[]; concurrency: number }) {
  const started = performance.now();
  const errors = new Map<string, number>();
  let next = 0;
  let connected = 0;
  const base = clients.length;
  const worker = async () => {
    while (next < body.members.length) {
      // A server that refuses everyone (or has no join-room handler yet) should not cost minutes of timeouts.
      if (connected === 0 && body.members.length - next > 0 && [...errors.values()].reduce((a, b) => a + b, 0) >= 20) return;
      const i = next++;
      const member = body.members[i]!;
      try {
        const client = await connectOne(body.url, member, base + i, 10_000);
        clients.push(client);
        roomSizes.set(member.slug, (roomSizes.get(member.slug) ?? 0) + 1);
        connected++;
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        errors.set(why, (errors.get(why) ?? 0) + 1);
      }
    }
  };
  await Promise.all(Array.from({ length: body.concurrency }, worker));
  return {
    connected,
    failed: body.members.length - connected,
    total: clients.length,
    seconds: (performance.now() - started) / 1000,
    errors: Object.fromEntries(errors),
    memory: process.memoryUsage().rss,
  };
}

/**
 * Every open client sends one chat message per second, phases spread over the second, for `seconds`.
 * Each message carries its send time; every other member of its room must receive it.
 */
async function chat(body: { seconds: number; drainSeconds?: number; ackTimeoutMs?: number }) {
  const latencies: number[] = [];
  const pending = new Map<string, number>();
  let sent = 0;
  let accepted = 0;
  let rejected = 0;
  let unanswered = 0;
  let expected = 0;
  let delivered = 0;
  let duplicates = 0;
  const rejections = new Map<string, number>();
  const listeners: (() => void)[] = [];
  const timers: NodeJS.Timeout[] = [];
  const cpuFrom = process.cpuUsage();
  const round = ++chatRound;

  for (const client of clients) {
    const onMessage = (event: ChatMessageEvent) => {
      const text = event?.message?.message;
      if (typeof text !== 'string' || !text.startsWith('bench ')) return;
      const [, sender, seq, at, sentRound] = text.split(' ');
      if (Number(sender) === client.index) return;
      const key = `${sentRound}:${sender}:${seq}`;
      const left = pending.get(key);
      if (left === undefined || left <= 0) {
        duplicates++;
        return;
      }
      pending.set(key, left - 1);
      delivered++;
      latencies.push(performance.now() - Number(at));
    };
    client.socket.on('new-chat-message', onMessage);
    listeners.push(() => client.socket.off('new-chat-message', onMessage));
  }

  const started = performance.now();
  const stopAt = started + body.seconds * 1000;
  const ackTimeout = body.ackTimeoutMs ?? 10_000;
  const acks: Promise<void>[] = [];
  clients.forEach((client, n) => {
    let seq = 0;
    const send = () => {
      if (performance.now() >= stopAt) return;
      const others = (roomSizes.get(client.slug) ?? 1) - 1;
      const key = `${round}:${client.index}:${seq}`;
      // Counted as expected before sending: a delivery can arrive before the ack does.
      pending.set(key, others);
      const text = `bench ${client.index} ${seq} ${performance.now().toFixed(3)} ${round}`;
      sent++;
      seq++;
      acks.push(
        client.socket
          .timeout(ackTimeout)
          .emitWithAck('chat-message', { roomSlug: client.slug, message: text, clientMessageId: key })
          .then(
            (ack: { ok: boolean; error?: { code: string } }) => {
              if (ack.ok) {
                accepted++;
                expected += others;
              } else {
                rejected++;
                pending.delete(key);
                const code = ack.error?.code ?? 'unknown';
                rejections.set(code, (rejections.get(code) ?? 0) + 1);
              }
            },
            () => {
              unanswered++;
            },
          ),
      );
    };
    const phase = (n / clients.length) * 1000;
    timers.push(
      setTimeout(() => {
        send();
        timers.push(setInterval(send, 1000));
      }, phase),
    );
  });

  await new Promise((r) => setTimeout(r, body.seconds * 1000));
  for (const t of timers) clearTimeout(t);
  const sendingSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  const drainUntil = performance.now() + (body.drainSeconds ?? 5) * 1000;
  await Promise.race([Promise.allSettled(acks), new Promise((r) => setTimeout(r, ackTimeout + 1000))]);
  // Late is not lost: keep waiting while copies are still arriving (a server working off a backlog), up to 30 s.
  const hardStop = performance.now() + 30_000;
  let seen = delivered;
  let progressAt = performance.now();
  while (delivered < expected && performance.now() < hardStop && (performance.now() < drainUntil || performance.now() - progressAt < 2000)) {
    await new Promise((r) => setTimeout(r, 100));
    if (delivered > seen) {
      seen = delivered;
      progressAt = performance.now();
    }
  }
  for (const off of listeners) off();
  const summary = summarize(latencies);
  return {
    clients: clients.length,
    rooms: roomSizes.size,
    ...loadFigures({ sent, accepted, rejected, rejections, unanswered, expected, delivered }, sendingSeconds, cpu),
    duplicates,
    latencyMs: latencyFigures(summary),
  };
}

/**
 * The webinar shape: every open client is in one room; `chatPerSecond` chat messages and `votesPerSecond`
 * up-votes a second, from members in turn, for `seconds`. The first client (the presenter) asks the question
 * voted on. Each member times the copies it receives: chat by the send time in the text, votes by the count
 * each vote's ack returned (every vote is a new voter's, so each count names one vote).
 */
async function webinar(body: { seconds: number; chatPerSecond: number; votesPerSecond: number; drainSeconds?: number; ackTimeoutMs?: number }) {
  const ackTimeout = body.ackTimeoutMs ?? 10_000;
  const round = ++chatRound;
  const presenter = clients[0]!;
  const asked = (await presenter.socket.timeout(ackTimeout).emitWithAck('ask-question', { question: `bench question ${round}` })) as {
    ok: boolean;
    question?: { id: string };
  };
  if (!asked.ok || !asked.question) throw new Error('ask-question was refused');
  const questionId = asked.question.id;
  const others = clients.length - 1;
  const chatLatencies: number[] = [];
  const voteLatencies: number[] = [];
  const chatPending = new Map<string, number>();
  const voteSentAt = new Map<number, number>();
  const voteArrivals = new Map<number, number[]>();
  let sent = 0;
  let accepted = 0;
  let rejected = 0;
  let unanswered = 0;
  let expected = 0;
  let delivered = 0;
  const rejections = new Map<string, number>();
  const listeners: (() => void)[] = [];
  const cpuFrom = process.cpuUsage();

  for (const client of clients) {
    const onMessage = (event: ChatMessageEvent) => {
      const text = event?.message?.message;
      if (typeof text !== 'string' || !text.startsWith('webinar ')) return;
      const [, sender, seq, at] = text.split(' ');
      if (Number(sender) === client.index) return;
      const key = `${sender}:${seq}`;
      const left = chatPending.get(key);
      if (left === undefined || left <= 0) return;
      chatPending.set(key, left - 1);
      delivered++;
      chatLatencies.push(performance.now() - Number(at));
    };
    const onVote = (event: { questionId: string; votes: number }) => {
      if (event?.questionId !== questionId) return;
      const at = performance.now();
      const sentAt = voteSentAt.get(event.votes);
      if (sentAt !== undefined) {
        delivered++;
        voteLatencies.push(at - sentAt);
      } else voteArrivals.set(event.votes, [...(voteArrivals.get(event.votes) ?? []), at]);
    };
    client.socket.on('new-chat-message', onMessage);
    client.socket.on('question-voted', onVote);
    listeners.push(() => {
      client.socket.off('new-chat-message', onMessage);
      client.socket.off('question-voted', onVote);
    });
  }

  const refuse = (code: string) => {
    rejected++;
    rejections.set(code, (rejections.get(code) ?? 0) + 1);
  };
  const acks: Promise<void>[] = [];
  let chatSeq = 0;
  let voter = 1;
  const sendChat = () => {
    const client = clients[1 + (chatSeq % others)]!;
    const seq = chatSeq++;
    const key = `${client.index}:${seq}`;
    chatPending.set(key, others);
    sent++;
    acks.push(
      client.socket
        .timeout(ackTimeout)
        .emitWithAck('chat-message', { roomSlug: client.slug, message: `webinar ${client.index} ${seq} ${performance.now().toFixed(3)}`, clientMessageId: `${round}:${key}` })
        .then(
          (ack: { ok: boolean; error?: { code: string } }) => {
            if (ack.ok) {
              accepted++;
              expected += others;
            } else {
              chatPending.delete(key);
              refuse(ack.error?.code ?? 'unknown');
            }
          },
          () => void unanswered++,
        ),
    );
  };
  const sendVote = () => {
    if (voter >= clients.length) return;
    const client = clients[voter++]!;
    const at = performance.now();
    sent++;
    acks.push(
      client.socket
        .timeout(ackTimeout)
        .emitWithAck('vote-question', { questionId, up: true })
        .then(
          (ack: { ok: boolean; votes?: number; error?: { code: string } }) => {
            if (!ack.ok || ack.votes === undefined) return refuse(ack.error?.code ?? 'unknown');
            accepted++;
            // Every member hears the new count, the voter included.
            expected += clients.length;
            voteSentAt.set(ack.votes, at);
            for (const arrived of voteArrivals.get(ack.votes) ?? []) {
              delivered++;
              voteLatencies.push(arrived - at);
            }
            voteArrivals.delete(ack.votes);
          },
          () => void unanswered++,
        ),
    );
  };
  const started = performance.now();
  const timers = [setInterval(sendChat, 1000 / body.chatPerSecond), setInterval(sendVote, 1000 / body.votesPerSecond)];
  await new Promise((r) => setTimeout(r, body.seconds * 1000));
  for (const t of timers) clearInterval(t);
  const sendingSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuFrom);
  await Promise.race([Promise.allSettled(acks), new Promise((r) => setTimeout(r, ackTimeout + 1000))]);
  const drainUntil = performance.now() + (body.drainSeconds ?? 5) * 1000;
  while (delivered < expected && performance.now() < drainUntil) await new Promise((r) => setTimeout(r, 100));
  for (const off of listeners) off();
  const all = summarize([...chatLatencies, ...voteLatencies]);
  const chatSummary = summarize(chatLatencies);
  const voteSummary = summarize(voteLatencies);
  return {
    clients: clients.length,
    rooms: 1,
    ...loadFigures({ sent, accepted, rejected, rejections, unanswered, expected, delivered }, sendingSeconds, cpu),
    duplicates: 0,
    latencyMs: latencyFigures(all),
    chatLatencyMs: latencyFigures(chatSummary),
    voteLatencyMs: latencyFigures(voteSummary),
  };
}

async function close() {
  const count = clients.length;
  for (const client of clients.splice(0)) client.socket.close();
  roomSizes.clear();
  return { closed: count };
}

serveRequests({
  connect: (body) => connect(body as unknown as Parameters<typeof connect>[0]),
  chat: (body) => chat(body as unknown as Parameters<typeof chat>[0]),
  webinar: (body) => webinar(body as unknown as Parameters<typeof webinar>[0]),
  close,
});
