// What can happen in a room, once each: validation lives in the action schemas, and here one authorization
// rule, one write, one broadcast through the Broadcaster port and one metric per action. REST routes and
// socket handlers only translate their transport to these calls and the answers back.
import type { Database } from '../db/client.ts';
import { listCurrentParticipants, muteAllAttendees } from '../db/participants.ts';
import { addQuestion, answerQuestion, pinQuestion, setVote } from '../db/questions.ts';
import { endRoom, findRoomById, setScreenSharing } from '../db/rooms.ts';
import type { ActionInput } from './actions.ts';
import type { Broadcaster, ParticipantEvents, RoomEvents } from './broadcast.ts';
import { createChatWriter, type ChatWriter } from './chat-writer.ts';
import { presenterOnly, questionNotFound, roomEnded, type RoomError } from './errors.ts';
import { createLobby, type Lobby } from './lobby.ts';
import { createModeration, type Moderation } from './moderation.ts';
import { createRoomLiveness, type RoomLiveness } from './liveness.ts';
import { createSeats, type Seats } from './seats.ts';
import type { RoomActivityMetrics } from './metrics.ts';
import { createPollCore, type PollBody, type PollCore } from './polls.ts';
import { createWebhooks, type Webhooks } from './webhooks.ts';
import type { ChatMessageBody, ParticipantBody, QuestionBody, SessionStatsBody } from './schemas.ts';
import { toChatMessageBody, toParticipantBody, toQuestionBody } from './serialize.ts';

/** Who acts: resolved by the transport from a bearer token, never from what the client sends. */
export interface Actor {
  participantId: string;
  roomId: string;
  role: ParticipantBody['role'];
  name: string | null;
}

/** See `liveWrite` in createRoomCore: a write that commits while the room is live or is refused as room_ended. */
export type LiveWrite = <T>(actor: Actor, write: () => Promise<T | undefined | false>, missing: () => RoomError | Promise<RoomError>) => Promise<T>;

export interface RoomCoreDeps {
  db: Database;
  broadcaster: Broadcaster;
  metrics?: RoomActivityMetrics;
  /** Group commit for chat and reactions; one per process. */
  chatWriter?: ChatWriter;
  liveness?: RoomLiveness;
  /** A broadcast that failed after its write committed; the write stands, so the caller still succeeds. */
  onError?: (err: unknown, context: { event: string; roomId: string }) => void;
  /** A poll closed with these final results. */
  onPollClosed?: (roomId: string, poll: PollBody) => void;
  /** Where room events go for integrations; one with only the rooms' own receivers when absent. */
  webhooks?: Webhooks;
}

/** Moderation's actions (moderation.ts), the lobby's (lobby.ts) and the seats' (seats.ts) are room actions like the others. */
export interface RoomCore extends Moderation, Lobby, Seats {
  sendChat(actor: Actor, input: ActionInput<'sendChat'>): Promise<{ message: ChatMessageBody; created: boolean }>;
  react(actor: Actor, input: ActionInput<'react'>): Promise<void>;
  ask(actor: Actor, input: ActionInput<'ask'>): Promise<QuestionBody>;
  /** Casts (`up`) or withdraws a vote; repeating either changes nothing. Returns the question's count. */
  vote(actor: Actor, input: ActionInput<'vote'>): Promise<number>;
  answer(actor: Actor, input: ActionInput<'answer'>): Promise<QuestionBody>;
  pin(actor: Actor, input: ActionInput<'pin'>): Promise<QuestionBody>;
  /** Mutes every attendee; returns how many had their microphone on (only they are told). */
  muteAll(actor: Actor): Promise<number>;
  shareScreen(actor: Actor, sharing: boolean): Promise<void>;
  /**
   * Ends the room and then tells it; `beforeAnnounce` runs in between, for a transport whose answer must leave
   * before the announcement closes the connection it would travel on.
   */
  endRoom(actor: Actor, beforeAnnounce?: (stats: SessionStatsBody) => void): Promise<SessionStatsBody>;
  /**
   * Ends the room as the presenter's End would (stats, `room-ended`, names forgotten), for a room left alone
   * too long; null when it had ended already (another process got there first).
   */
  expire(roomId: string): Promise<SessionStatsBody | null>;
  /** Polls: prepared, launched, voted on and closed under the same liveness and broadcast rules. */
  polls: PollCore;
  /** Room events for integrations (room.created, room.live and participant.count come from the transports). */
  webhooks: Webhooks;
  /** Another process ended the room: forget that it was live. */
  roomEnded(roomId: string): void;
  chatQueueDepth(): number;
  /** Stores what is queued; call before closing the database. */
  close(): Promise<void>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** How many stored client ids (messages and questions each) a process remembers as its own announcements. */
const OWN_ANNOUNCEMENTS = 2_048;

/**
 * The client ids of what this process stored and announced lately, the oldest forgotten first. A retry of one of
 * them was announced here; a retry of anything else may come after the process that stored it died unannounced.
 */
function ownAnnouncements(limit = OWN_ANNOUNCEMENTS) {
  const keys = new Set<string>();
  const key = (participantId: string, clientId: string) => `${participantId} ${clientId}`;
  return {
    add(participantId: string, clientId: string | undefined) {
      if (clientId === undefined) return;
      keys.add(key(participantId, clientId));
      if (keys.size > limit) keys.delete(keys.values().next().value!);
    },
    has: (participantId: string, clientId: string | undefined) => clientId !== undefined && keys.has(key(participantId, clientId)),
  };
}

export function createRoomCore(deps: RoomCoreDeps): RoomCore {
  const { db, broadcaster, metrics } = deps;
  const chat =
    deps.chatWriter ??
    createChatWriter(db, {
      ...(metrics
        ? {
            observe: ({ waitedSeconds, groupSize }) => {
              for (const waited of waitedSeconds) metrics.chatWriteWait.observe(waited);
              metrics.chatWriteGroup.observe(groupSize);
            },
            refused: (reason) => metrics.busyRefusals.inc({ reason }),
            depthChanged: (depth) => metrics.chatWriteQueue.set(depth),
          }
        : {}),
    });
  const liveness = deps.liveness ?? createRoomLiveness(db);
  const webhooks = deps.webhooks ?? createWebhooks(db, deps.onError ? { onError: deps.onError } : {});

  /** The write stands whatever the queue does; a failure to queue is reported, never turned into the action's failure. */
  function hook(roomId: string, event: Parameters<Webhooks['emit']>[1], data: Record<string, unknown>): void {
    webhooks.emit(roomId, event, data).catch((err: unknown) => deps.onError?.(err, { event, roomId }));
  }

  function toRoom<E extends keyof RoomEvents>(roomId: string, event: E, payload: RoomEvents[E]): void {
    try {
      broadcaster.toRoom(roomId, event, payload);
    } catch (err) {
      deps.onError?.(err, { event, roomId });
    }
  }

  function toParticipants<E extends keyof ParticipantEvents>(roomId: string, ids: string[], event: E, payload: ParticipantEvents[E]): void {
    try {
      broadcaster.toParticipants(ids, event, payload);
    } catch (err) {
      deps.onError?.(err, { event, roomId });
    }
  }

  /** Writes are refused once the room has ended, even where the actor's connection has not closed yet. */
  async function requireLive(actor: Actor): Promise<void> {
    if (!(await liveness.isLive(actor.roomId))) throw roomEnded();
  }

  /**
   * Question actions of one room run one at a time in this process, so the counts and states they broadcast
   * arrive in the order they were committed: two votes committed 1 then 2 are never announced 2 then 1.
   */
  const questionTurns = new Map<string, Promise<unknown>>();
  const announcedMessages = ownAnnouncements();
  const announcedQuestions = ownAnnouncements();
  function inTurn<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    const previous = questionTurns.get(roomId) ?? Promise.resolve();
    const result = previous.then(work);
    const settled = result.catch(() => {});
    questionTurns.set(roomId, settled);
    void settled.then(() => {
      if (questionTurns.get(roomId) === settled) questionTurns.delete(roomId);
    });
    return result;
  }

  /** A write that changed nothing: the room ended under it, or what it names is not there (`missing`). */
  async function missingOrEnded(roomId: string, missing: () => RoomError | Promise<RoomError>): Promise<RoomError> {
    if ((await findRoomById(db, roomId))?.isActive) return missing();
    liveness.ended(roomId);
    return roomEnded();
  }
  const notFoundOrEnded = (roomId: string) => missingOrEnded(roomId, questionNotFound);

  /**
   * The one shape of a write to a room outside chat and questions (moderation, polls): refused at once when this
   * process knows the room ended, else the write, whose statement takes the live room itself (db/live-room.ts), so
   * it commits before the end or changes nothing. A write that changed nothing is `missing()` unless the room ended.
   */
  const liveWrite: LiveWrite = async (actor, write, missing) => {
    await requireLive(actor);
    const done = await write();
    if (done !== undefined && done !== false) return done;
    throw await missingOrEnded(actor.roomId, missing);
  };

  /** Closes the sockets of removed or turned-away participants on every process; a failure is reported, not thrown. */
  const disconnect = (roomId: string, ids: string[], sparing?: { presenterId: string }) => {
    try {
      broadcaster.disconnectParticipants(ids, sparing);
    } catch (err) {
      deps.onError?.(err, { event: 'disconnect', roomId });
    }
  };

  const moderation = createModeration({
    db,
    toRoom,
    toParticipants,
    disconnect,
    liveWrite,
    inTurn,
  });

  const lobby = createLobby({
    db,
    toRoom,
    toParticipants,
    disconnect,
    requireHost: moderation.requireHost,
    requireLive,
    wentLive: (roomId, room) => {
      webhooks.emit(roomId, 'room.live', { slug: room.slug, title: room.title }, { once: true }).catch((err: unknown) => deps.onError?.(err, { event: 'room.live', roomId }));
    },
  });

  const seats = createSeats({
    db,
    toRoom,
    toParticipants,
    disconnect,
    liveWrite,
    requireLive,
    countChanged: (roomId) => webhooks.participantCountChanged(roomId),
  });

  /** Anything that is not a UUID cannot name a question; refusing it here spares the database a cast error. */
  function requireQuestionId(questionId: string): void {
    if (!UUID.test(questionId)) throw questionNotFound();
  }

  function requirePresenter(actor: Actor): void {
    if (actor.role !== 'presenter') throw presenterOnly();
  }

  async function store(actor: Actor, message: string, messageType: 'chat' | 'reaction', clientMessageId?: string) {
    await requireLive(actor);
    const outcome = await chat.write({
      roomId: actor.roomId,
      sender: { id: actor.participantId, name: actor.name },
      message,
      messageType,
      ...(clientMessageId === undefined ? {} : { clientMessageId }),
    });
    if ('roomEnded' in outcome) {
      liveness.ended(actor.roomId);
      throw roomEnded();
    }
    return outcome;
  }

  /** Two ends racing (a presenter's, an expiry's, on any process): the database lets exactly one of them end the room. */
  async function end(roomId: string, beforeAnnounce?: (stats: SessionStatsBody) => void): Promise<SessionStatsBody | null> {
    const stats = await endRoom(db, roomId);
    liveness.ended(roomId);
    if (!stats) return null;
    hook(roomId, 'room.ended', { stats });
    beforeAnnounce?.(stats);
    try {
      await broadcaster.endRoom(roomId, stats);
    } catch (err) {
      deps.onError?.(err, { event: 'room-ended', roomId });
    }
    return stats;
  }

  return {
    ...moderation,
    ...lobby,
    ...seats,

    async sendChat(actor, { message, clientMessageId }) {
      await moderation.requireChatAllowed(actor);
      const stored = await store(actor, message, 'chat', clientMessageId);
      const body = toChatMessageBody(stored.message);
      if (stored.created) {
        metrics?.chatMessages.inc();
        announcedMessages.add(actor.participantId, clientMessageId);
      }
      // A retry of a message stored elsewhere (or before a restart) is announced again: the sender had no answer,
      // so the process that stored it may have died before the room heard of it. Pages merge by id.
      if (stored.created || !announcedMessages.has(actor.participantId, clientMessageId)) {
        toRoom(actor.roomId, 'new-chat-message', { message: body });
      }
      return { message: body, created: stored.created };
    },

    async react(actor, { emoji }) {
      await store(actor, emoji, 'reaction');
      metrics?.reactions.inc();
      toRoom(actor.roomId, 'reaction', { participantId: actor.participantId, emoji });
    },

    ask(actor, { question, anonymous, clientQuestionId }) {
      return inTurn(actor.roomId, async () => {
        await requireLive(actor);
        const placed = await moderation.placeQuestion(actor, anonymous ?? false);
        const added = await addQuestion(db, {
          roomId: actor.roomId,
          participantId: actor.participantId,
          question,
          ...placed,
          ...(clientQuestionId === undefined ? {} : { clientQuestionId }),
        });
        if (!added) {
          liveness.ended(actor.roomId);
          throw roomEnded();
        }
        const stored = toQuestionBody(added.question);
        // A retry of a question already stored was counted and hooked the first time. Stored elsewhere (or before a
        // restart), it is announced again as it stands now, as a retried message is. Pages merge by id.
        if (!added.created) {
          if (!announcedQuestions.has(actor.participantId, clientQuestionId)) await moderation.announceQuestion(actor.roomId, stored);
          return stored;
        }
        metrics?.questions.inc();
        announcedQuestions.add(actor.participantId, clientQuestionId);
        await moderation.announceQuestion(actor.roomId, stored);
        // Integrations hear of a question when the room does: one awaiting approval is not asked yet.
        if (stored.status === 'visible') hook(actor.roomId, 'question.asked', { questionId: stored.id, question: stored.question, askedAt: stored.createdAt });
        return stored;
      });
    },

    vote(actor, { questionId, up }) {
      return inTurn(actor.roomId, async () => {
        await requireLive(actor);
        requireQuestionId(questionId);
        // Counted only within the actor's room, so a question of another room is simply not found.
        const votes = await setVote(db, { roomId: actor.roomId, questionId, participantId: actor.participantId, up });
        if (votes === undefined) throw await notFoundOrEnded(actor.roomId);
        toRoom(actor.roomId, 'question-voted', { questionId, votes });
        return votes;
      });
    },

    answer(actor, { questionId, answer }) {
      return inTurn(actor.roomId, async () => {
        await moderation.requireHost(actor);
        await requireLive(actor);
        requireQuestionId(questionId);
        const answered = await answerQuestion(db, actor.roomId, questionId, answer ?? null);
        if (!answered) throw await notFoundOrEnded(actor.roomId);
        const question = toQuestionBody(answered);
        toRoom(actor.roomId, 'question-answered', { questionId, answer: question.answer, answeredAt: question.answeredAt! });
        // The asker hears it on every page they have open, whatever tab they are looking at.
        if (answered.participantId && answered.participantId !== actor.participantId) {
          toParticipants(actor.roomId, [answered.participantId], 'your-question-answered', { questionId, question: question.question, answer: question.answer });
        }
        hook(actor.roomId, 'question.answered', { questionId, question: question.question, answer: question.answer, votes: question.votes, answeredAt: question.answeredAt });
        return question;
      });
    },

    pin(actor, { questionId, pinned }) {
      return inTurn(actor.roomId, async () => {
        await moderation.requireHost(actor);
        await requireLive(actor);
        requireQuestionId(questionId);
        const updated = await pinQuestion(db, actor.roomId, questionId, pinned);
        if (!updated) throw await notFoundOrEnded(actor.roomId);
        const question = toQuestionBody(updated);
        toRoom(actor.roomId, 'question-pinned', { questionId, isPinned: question.isPinned });
        return question;
      });
    },

    async muteAll(actor) {
      await moderation.requireHost(actor);
      await requireLive(actor);
      const muted = await muteAllAttendees(db, actor.roomId);
      // Nothing to mute in a live room is 0; in a room that ended under the action it is the end.
      if (muted === undefined) throw await missingOrEnded(actor.roomId, roomEnded);
      const wasOn = muted.filter((m) => m.microphoneWasOn).map((m) => m.id);
      if (wasOn.length) toParticipants(actor.roomId, wasOn, 'muted-by-presenter', {});
      const changed = new Set(muted.map((m) => m.id));
      for (const participant of await listCurrentParticipants(db, actor.roomId)) {
        if (changed.has(participant.id)) toRoom(actor.roomId, 'participant-updated', { participant: toParticipantBody(participant) });
      }
      return wasOn.length;
    },

    async shareScreen(actor, sharing) {
      requirePresenter(actor);
      if (!(await setScreenSharing(db, actor.roomId, sharing))) throw roomEnded();
      if (sharing) metrics?.screenShares.inc();
      toRoom(actor.roomId, 'presenter-screen-sharing', { isSharing: sharing });
    },

    async endRoom(actor, beforeAnnounce) {
      requirePresenter(actor);
      const stats = await end(actor.roomId, beforeAnnounce);
      if (!stats) throw roomEnded();
      return stats;
    },

    expire: (roomId) => end(roomId),

    polls: createPollCore({
      db,
      broadcaster,
      liveWrite,
      onClosed: (roomId, poll) => {
        hook(roomId, 'poll.closed', { pollId: poll.id, question: poll.question, options: poll.options, results: poll.results });
        deps.onPollClosed?.(roomId, poll);
      },
      ...(deps.onError ? { onError: deps.onError } : {}),
    }),
    webhooks,
    roomEnded: (roomId) => liveness.ended(roomId),
    chatQueueDepth: () => chat.depth(),
    close: async () => {
      webhooks.close();
      await chat.close();
    },
  };
}
