// Polls in a room: hosts prepare, launch and close them; everyone votes once (changeable until closed). Like
// the room core: one authorization rule, one write, one broadcast per action; REST and sockets share it.
import { z } from '@hono/zod-openapi';
import type { Database } from '../db/client.ts';
import {
  addPoll,
  castPollVote,
  findPoll,
  listPolls,
  myPollChoices,
  pollResults,
  setPollStatus,
  type Poll,
  type PollResults,
} from '../db/polls.ts';
import { listHostIds } from '../db/moderation.ts';
import { findParticipant } from '../db/participants.ts';
import type { Broadcaster } from './broadcast.ts';
import { hostOnly, pollNotFound, pollNotOpen, RoomError } from './errors.ts';
import {
  MAX_POLL_OPTION_LENGTH,
  MAX_POLL_OPTIONS,
  MAX_POLL_QUESTION_LENGTH,
  MAX_POLLS_PER_ROOM,
  MIN_POLL_OPTIONS,
} from './limits.ts';
import { isHostRow } from './moderation.ts';
import type { Actor, LiveWrite } from './room.ts';
import { text } from './schemas.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const pollIdSchema = z.uuid().transform((s) => s.toLowerCase());

export const pollInputs = {
  create: z
    .object({
      question: text(1, MAX_POLL_QUESTION_LENGTH),
      options: z.array(text(1, MAX_POLL_OPTION_LENGTH)).min(MIN_POLL_OPTIONS).max(MAX_POLL_OPTIONS),
      allowsMultiple: z.boolean().default(false).openapi({ description: 'Several choices per voter (else exactly one)' }),
      resultsVisible: z.boolean().default(false).openapi({ description: 'Live results for everyone while open; hosts always see them' }),
    })
    .refine((p) => new Set(p.options.map((o) => o.toLowerCase())).size === p.options.length, {
      message: 'options must differ from each other',
      path: ['options'],
    }),
  launch: z.object({ pollId: pollIdSchema }),
  vote: z.object({
    pollId: pollIdSchema,
    choices: z
      .array(z.number().int().min(0).max(MAX_POLL_OPTIONS - 1))
      .min(1)
      .max(MAX_POLL_OPTIONS)
      .refine((c) => new Set(c).size === c.length, 'choices must not repeat'),
  }),
  close: z.object({ pollId: pollIdSchema, shareResults: z.boolean().default(true).openapi({ description: 'Show the results to everyone' }) }),
} as const;

export type PollInput<A extends keyof typeof pollInputs> = z.output<(typeof pollInputs)[A]>;

export const pollResultsSchema = z
  .object({
    counts: z.array(z.number().int()).openapi({ description: 'Votes per option, in the order of `options`' }),
    voters: z.number().int(),
  })
  .openapi('PollResults');

export const pollSchema = z
  .object({
    id: z.uuid(),
    question: z.string(),
    options: z.array(z.string()),
    allowsMultiple: z.boolean(),
    resultsVisible: z.boolean(),
    resultsShared: z.boolean(),
    status: z.enum(['draft', 'open', 'closed']),
    createdAt: z.iso.datetime({ offset: true }),
    openedAt: z.iso.datetime({ offset: true }).nullable(),
    closedAt: z.iso.datetime({ offset: true }).nullable(),
    results: pollResultsSchema.nullable().openapi({ description: 'Null where the viewer may not see them yet' }),
    myChoices: z.array(z.number().int()).nullable(),
  })
  .openapi('Poll');

export type PollBody = z.infer<typeof pollSchema>;
export type PollResultsBody = z.infer<typeof pollResultsSchema>;

/** What a poll action tells sockets: the poll (without results) and, separately, its results to those who may see them. */
export interface PollEvents {
  'poll-updated': { poll: PollBody };
  'poll-results': { pollId: string; results: PollResultsBody };
}

export interface PollCoreDeps {
  db: Database;
  broadcaster: Pick<Broadcaster, 'toRoom' | 'toParticipants'>;
  /** Every poll write goes through this: it commits while the room is live or is refused as room_ended. */
  liveWrite: LiveWrite;
  /** A poll was closed: its final results (for webhooks). */
  onClosed?: (roomId: string, poll: PollBody) => void;
  onError?: (err: unknown, context: { event: string; roomId: string }) => void;
}

export interface PollCore {
  /** Polls as this participant may see them: hosts every one with results, attendees the launched ones. */
  list(actor: Actor): Promise<PollBody[]>;
  create(actor: Actor, input: PollInput<'create'>): Promise<PollBody>;
  launch(actor: Actor, input: PollInput<'launch'>): Promise<PollBody>;
  /** Replaces the voter's choices; returns the poll as the voter sees it. */
  vote(actor: Actor, input: PollInput<'vote'>): Promise<PollBody>;
  close(actor: Actor, input: PollInput<'close'>): Promise<PollBody>;
}

const iso = (d: Date | string) => new Date(d).toISOString();

export function toPollBody(poll: Poll, results: PollResults | null, myChoices: number[] | null): PollBody {
  return {
    id: poll.id,
    question: poll.question,
    options: poll.options,
    allowsMultiple: poll.allowsMultiple,
    resultsVisible: poll.resultsVisible,
    resultsShared: poll.resultsShared,
    status: poll.status,
    createdAt: iso(poll.createdAt),
    openedAt: poll.openedAt ? iso(poll.openedAt) : null,
    closedAt: poll.closedAt ? iso(poll.closedAt) : null,
    results,
    myChoices,
  };
}

/** Whether attendees may see a poll's results now (hosts always may). */
export function resultsPublic(poll: Pick<Poll, 'status' | 'resultsVisible' | 'resultsShared'>): boolean {
  return (poll.status === 'open' && poll.resultsVisible) || (poll.status === 'closed' && (poll.resultsShared || poll.resultsVisible));
}

export function createPollCore(deps: PollCoreDeps): PollCore {
  const { db } = deps;

  /** The presenter or a co-host now: read from the database on each action, since co-hosts come and go. */
  async function isHost(actor: Actor): Promise<boolean> {
    const row = await findParticipant(db, actor.roomId, actor.participantId);
    return Boolean(row && !row.removedAt && isHostRow(row));
  }

  async function requireHost(actor: Actor): Promise<void> {
    if (!(await isHost(actor))) throw hostOnly();
  }

  function requirePollId(pollId: string): void {
    if (!UUID.test(pollId)) throw pollNotFound();
  }

  function send(roomId: string, emit: () => void, event: string): void {
    try {
      emit();
    } catch (err) {
      deps.onError?.(err, { event, roomId });
    }
  }

  /** The poll to the room (or, as a draft, to hosts only), then its results to whoever may see them. */
  async function announce(roomId: string, poll: Poll, results: PollResults | null): Promise<void> {
    const body = toPollBody(poll, null, null);
    const hosts = poll.status === 'draft' || (results && !resultsPublic(poll)) ? await listHostIds(db, roomId) : [];
    if (poll.status === 'draft') send(roomId, () => deps.broadcaster.toParticipants(hosts, 'poll-updated', { poll: body }), 'poll-updated');
    else send(roomId, () => deps.broadcaster.toRoom(roomId, 'poll-updated', { poll: body }), 'poll-updated');
    if (!results) return;
    const payload = { pollId: poll.id, results };
    if (resultsPublic(poll)) send(roomId, () => deps.broadcaster.toRoom(roomId, 'poll-results', payload), 'poll-results');
    else send(roomId, () => deps.broadcaster.toParticipants(hosts, 'poll-results', payload), 'poll-results');
  }

  /**
   * A poll's results are read and announced one after another, so the last announcement of a burst of votes
   * always counts every vote committed before it.
   */
  const turns = new Map<string, Promise<unknown>>();
  function inTurn<T>(pollId: string, work: () => Promise<T>): Promise<T> {
    const result = (turns.get(pollId) ?? Promise.resolve()).then(work);
    const settled = result.catch(() => {});
    turns.set(pollId, settled);
    void settled.then(() => {
      if (turns.get(pollId) === settled) turns.delete(pollId);
    });
    return result;
  }

  async function requirePoll(actor: Actor, pollId: string): Promise<Poll> {
    requirePollId(pollId);
    const poll = await findPoll(db, actor.roomId, pollId);
    // Attendees never learn of drafts, not even that one exists.
    if (!poll || (poll.status === 'draft' && !(await isHost(actor)))) throw pollNotFound();
    return poll;
  }

  return {
    async list(actor) {
      const host = await isHost(actor);
      const rows = (await listPolls(db, actor.roomId)).filter((p) => host || p.status !== 'draft');
      const mine = await myPollChoices(db, rows.map((p) => p.id), actor.participantId);
      return Promise.all(
        rows.map(async (p) => {
          const visible = p.status !== 'draft' && (host || resultsPublic(p));
          return toPollBody(p, visible ? await pollResults(db, p) : null, mine.get(p.id) ?? null);
        }),
      );
    },

    async create(actor, input) {
      await requireHost(actor);
      const poll = await deps.liveWrite(
        actor,
        () => addPoll(db, { roomId: actor.roomId, ...input }, MAX_POLLS_PER_ROOM),
        () => new RoomError('validation_error', `A room holds at most ${MAX_POLLS_PER_ROOM} polls`),
      );
      await announce(actor.roomId, poll, null);
      return toPollBody(poll, null, null);
    },

    async launch(actor, { pollId }) {
      await requireHost(actor);
      requirePollId(pollId);
      const poll = await deps.liveWrite(actor, () => setPollStatus(db, actor.roomId, pollId, 'draft', 'open'), async () =>
        (await findPoll(db, actor.roomId, pollId)) ? new RoomError('poll_not_open', 'This poll has already been launched') : pollNotFound(),
      );
      const results = await pollResults(db, poll);
      await announce(actor.roomId, poll, results);
      return toPollBody(poll, results, null);
    },

    async vote(actor, { pollId, choices }) {
      const poll = await requirePoll(actor, pollId);
      if (!poll.allowsMultiple && choices.length !== 1) throw new RoomError('validation_error', 'This poll takes exactly one choice');
      if (choices.some((c) => c >= poll.options.length)) throw new RoomError('validation_error', `choices must be between 0 and ${poll.options.length - 1}`);
      await deps.liveWrite(actor, () => castPollVote(db, { roomId: actor.roomId, pollId: poll.id, participantId: actor.participantId, choices }), pollNotOpen);
      const results = await inTurn(poll.id, async () => {
        const now = await pollResults(db, poll);
        await announce(actor.roomId, poll, now);
        return now;
      });
      const sorted = [...choices].sort((a, b) => a - b);
      return toPollBody(poll, resultsPublic(poll) || (await isHost(actor)) ? results : null, sorted);
    },

    async close(actor, { pollId, shareResults }) {
      await requireHost(actor);
      requirePollId(pollId);
      const poll = await deps.liveWrite(actor, () => setPollStatus(db, actor.roomId, pollId, 'open', 'closed', shareResults), async () =>
        (await findPoll(db, actor.roomId, pollId)) ? pollNotOpen() : pollNotFound(),
      );
      const results = await inTurn(poll.id, async () => {
        const final = await pollResults(db, poll);
        await announce(actor.roomId, poll, final);
        return final;
      });
      const body = toPollBody(poll, results, null);
      deps.onClosed?.(actor.roomId, body);
      return body;
    },
  };
}
