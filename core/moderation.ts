// Moderation actions of a room: hands, the stage, co-hosts, host-enforced mute, removal and bans, room options and
// moderated Q&A. Part of the room core (room.ts spreads these into it): one authorization rule, one write, one
// broadcast each. Who is a host is read from the database on each action, since co-hosts come and go. Every write
// goes through `liveWrite`, so none lands after the room's end; a target that is not an attendee present in the
// actor's room is simply not found.
import type { Database } from '../db/client.ts';
import {
  deleteChatMessage,
  listHostIds,
  moveOnStage,
  movePresenter,
  removeParticipant,
  setCoHost,
  setHand,
  setHighlightedQuestion,
  setMuteLock,
  setQuestionStatus,
  setRoomOptions,
  stopVideo,
} from '../db/moderation.ts';
import { findParticipant, findPresenter, listCurrentParticipants } from '../db/participants.ts';
import { listQuestions } from '../db/questions.ts';
import type { Participant } from '../db/rooms.ts';
import { findRoomById } from '../db/rooms.ts';
import type { StageState } from '../db/schema.ts';
import type { ModerationInput } from './actions.ts';
import type { ParticipantEvents, RoomEvents, RoomOptionsBody } from './broadcast.ts';
import { hostOnly, messageNotFound, participantNotFound, presenterOnly, questionNotFound, roomEnded, RoomError } from './errors.ts';
import { MAX_SPEAKERS_PER_ROOM } from './limits.ts';
import type { Actor, LiveWrite } from './room.ts';
import type { ParticipantBody, QuestionBody } from './schemas.ts';
import { toParticipantBody, toQuestionBody } from './serialize.ts';

export interface ModerationDeps {
  db: Database;
  toRoom<E extends keyof RoomEvents>(roomId: string, event: E, payload: RoomEvents[E]): void;
  toParticipants<E extends keyof ParticipantEvents>(roomId: string, ids: string[], event: E, payload: ParticipantEvents[E]): void;
  disconnect(roomId: string, ids: string[], sparing?: { presenterId: string }): void;
  /** Every moderation write goes through this: it commits while the room is live or is refused as room_ended. */
  liveWrite: LiveWrite;
  /** The room's question actions take turns (see room.ts), moderated ones included. */
  inTurn<T>(roomId: string, work: () => Promise<T>): Promise<T>;
  /** How long a room's options read from the database are trusted for chat and questions (hot paths). */
  optionsTtlMs?: number;
}

export interface Moderation {
  raiseHand(actor: Actor, input: ModerationInput<'raiseHand'>): Promise<ParticipantBody>;
  setCoHost(actor: Actor, input: ModerationInput<'setCoHost'>): Promise<ParticipantBody>;
  inviteToStage(actor: Actor, input: ModerationInput<'inviteToStage'>): Promise<ParticipantBody>;
  answerStageInvite(actor: Actor, input: ModerationInput<'answerStageInvite'>): Promise<ParticipantBody>;
  leaveStage(actor: Actor, input: ModerationInput<'leaveStage'>): Promise<ParticipantBody>;
  muteParticipant(actor: Actor, input: ModerationInput<'muteParticipant'>): Promise<ParticipantBody>;
  stopCamera(actor: Actor, input: ModerationInput<'stopCamera'>): Promise<ParticipantBody>;
  removeParticipant(actor: Actor, input: ModerationInput<'removeParticipant'>): Promise<void>;
  setRoomOptions(actor: Actor, input: ModerationInput<'setRoomOptions'>): Promise<RoomOptionsBody>;
  approveQuestion(actor: Actor, input: ModerationInput<'approveQuestion'>): Promise<QuestionBody>;
  dismissQuestion(actor: Actor, input: ModerationInput<'dismissQuestion'>): Promise<void>;
  highlightQuestion(actor: Actor, input: ModerationInput<'highlightQuestion'>): Promise<void>;
  deleteChatMessage(actor: Actor, input: ModerationInput<'deleteChatMessage'>): Promise<void>;
  handOverPresenter(actor: Actor, input: ModerationInput<'handOverPresenter'>): Promise<ParticipantBody>;
  takeOverPresenting(actor: Actor, input: ModerationInput<'takeOverPresenting'>): Promise<ParticipantBody>;
  /** The questions as this participant may see them: hosts see those awaiting approval and anonymous authors. */
  questionsFor(actor: Actor): Promise<QuestionBody[]>;
  /** Refuses chat from an attendee while chat is off for attendees. */
  requireChatAllowed(actor: Actor): Promise<void>;
  /** Where a new question of this actor starts: awaiting approval when the room wants that and the asker is no host. */
  placeQuestion(actor: Actor, anonymous: boolean): Promise<{ status: 'pending' | 'visible'; isAnonymous: boolean }>;
  /** Tells the room (and its hosts) of a new question, as each may see it. */
  announceQuestion(roomId: string, question: QuestionBody): Promise<void>;
  /** Whether the participant's microphone may reach the room now (on stage or allowed, and not locked by a host). */
  mayUseMicrophone(actor: Actor): Promise<boolean>;
  /** Whether the participant may publish media into the room (presenter, or a speaker on stage). */
  mayPublish(actor: Actor): Promise<boolean>;
  requireHost(actor: Actor): Promise<void>;
}

/** How long after a presenter change the room's sockets are closed (to reconnect with their roles read afresh). */
const PRESENTER_CHANGE_DISCONNECT_MS = 300;

/** A host: the presenter or a co-host. */
export const isHostRow = (row: Pick<Participant, 'role' | 'isCoHost'>) => row.role === 'presenter' || row.isCoHost;

const removedError = () => new RoomError('forbidden', 'You were removed from this room');

/** The author's name and id stay with hosts and the author; everyone else sees an anonymous question. */
export function questionForViewer(question: QuestionBody, viewer: { participantId: string; host: boolean }): QuestionBody {
  if (!question.isAnonymous || viewer.host || question.participantId === viewer.participantId) return question;
  return { ...question, name: null, participantId: null };
}

export function createModeration(deps: ModerationDeps): Moderation {
  const { db } = deps;
  const ttlMs = deps.optionsTtlMs ?? 2000;
  const options = new Map<string, { until: number; value: RoomOptionsBody }>();

  /** Chat reads them through the cache (a change made on another process arrives within `ttlMs`); the rest reads afresh. */
  async function roomOptions(roomId: string, cached = false): Promise<RoomOptionsBody> {
    const entry = options.get(roomId);
    if (cached && entry && entry.until > Date.now()) return entry.value;
    const room = await findRoomById(db, roomId);
    if (!room) throw roomEnded();
    const value = optionsOf(room);
    if (options.size > 10_000) options.clear();
    options.set(roomId, { until: Date.now() + ttlMs, value });
    return value;
  }

  /** The actor's own row; a removed actor (whose connection has not closed yet) is refused here too. */
  async function self(actor: Actor): Promise<Participant> {
    const row = await findParticipant(db, actor.roomId, actor.participantId);
    if (!row) throw participantNotFound();
    if (row.removedAt) throw removedError();
    return row;
  }


  async function requireHost(actor: Actor): Promise<Participant> {
    const row = await self(actor);
    if (!isHostRow(row)) throw hostOnly();
    return row;
  }

  function updated(roomId: string, row: Participant): ParticipantBody {
    const body = toParticipantBody(row);
    deps.toRoom(roomId, 'participant-updated', { participant: body });
    return body;
  }

  async function stageMove(actor: Actor, id: string, from: StageState[], to: StageState): Promise<Participant> {
    const moved = await deps.liveWrite(actor, () => moveOnStage(db, { roomId: actor.roomId, id, from, to, cap: MAX_SPEAKERS_PER_ROOM }), participantNotFound);
    if (moved.ok) return moved.participant;
    if (moved.reason === 'stage_full') throw new RoomError('stage_full', `The stage holds ${MAX_SPEAKERS_PER_ROOM} speakers at most`);
    if (moved.reason === 'conflict') throw new RoomError('conflict', `This participant is not ${from.join(' or ')} now`);
    if (moved.reason === 'room_ended') throw roomEnded();
    throw participantNotFound();
  }

  async function announceQuestion(roomId: string, question: QuestionBody): Promise<void> {
    // The room hears first, before any other query: a process that dies after the commit and before this line
    // loses the announcement until the asker's retry (which announces the stored question again).
    if (question.status === 'visible') {
      deps.toRoom(roomId, 'new-question', { question: questionForViewer(question, { participantId: '', host: false }) });
    }
    if (question.status !== 'pending' && !question.isAnonymous) return;
    // Hosts get the full question after the room's version, so the last word they hear names the author.
    deps.toParticipants(roomId, await listHostIds(db, roomId), 'question-for-hosts', { question });
  }

  /**
   * Moves the presenter role, tells the room, then closes every socket of the room: each handshake resolved the
   * presenter once, so every page reconnects and hears the roles afresh (the two concerned switch pages).
   */
  async function presenterMoved(actor: Actor, from: string, to: string, fromAway: boolean): Promise<ParticipantBody> {
    const moved = await deps.liveWrite(
      actor,
      () => movePresenter(db, { roomId: actor.roomId, from, to, fromAway }),
      () => new RoomError('conflict', fromAway ? 'The presenter is back, or you are no longer a co-host' : 'Only a co-host present now can become the presenter'),
    );
    const presenter = toParticipantBody(moved.presenter);
    deps.toRoom(actor.roomId, 'participant-updated', { participant: toParticipantBody(moved.previous) });
    deps.toRoom(actor.roomId, 'participant-updated', { participant: presenter });
    deps.toRoom(actor.roomId, 'presenter-changed', { presenterId: presenter.id, previousPresenterId: moved.previous.id, presenterName: presenter.name });
    const everyone = (await listCurrentParticipants(db, actor.roomId)).map((p) => p.id);
    // After the caller's answer has gone out: the acting socket is one of those closed. A page that reloaded and
    // joined within that moment already knows the new presenter, and keeps its fresh connection.
    setTimeout(() => deps.disconnect(actor.roomId, everyone, { presenterId: presenter.id }), PRESENTER_CHANGE_DISCONNECT_MS);
    return presenter;
  }

  return {
    requireHost: async (actor) => {
      await requireHost(actor);
    },

    async raiseHand(actor, { raised }) {
      await self(actor);
      if (actor.role !== 'attendee') throw new RoomError('forbidden', 'Only attendees raise a hand');
      const row = await deps.liveWrite(
        actor,
        () => setHand(db, actor.roomId, actor.participantId, raised),
        () => new RoomError('conflict', 'A hand goes up only in the audience'),
      );
      return updated(actor.roomId, row);
    },

    async setCoHost(actor, { participantId, coHost }) {
      if (actor.role !== 'presenter') throw presenterOnly();
      await self(actor);
      return updated(actor.roomId, await deps.liveWrite(actor, () => setCoHost(db, actor.roomId, participantId, coHost), participantNotFound));
    },

    async inviteToStage(actor, { participantId }) {
      const host = await requireHost(actor);
      const row = await stageMove(actor, participantId, ['audience'], 'invited');
      deps.toParticipants(actor.roomId, [participantId], 'stage-invited', { by: host.name });
      return updated(actor.roomId, row);
    },

    async answerStageInvite(actor, { accept }) {
      await self(actor);
      return updated(actor.roomId, await stageMove(actor, actor.participantId, ['invited'], accept ? 'speaker' : 'audience'));
    },

    async leaveStage(actor, { participantId }) {
      const target = participantId ?? actor.participantId;
      if (target === actor.participantId) await self(actor);
      else await requireHost(actor);
      return updated(actor.roomId, await stageMove(actor, target, ['invited', 'speaker'], 'audience'));
    },

    async muteParticipant(actor, { participantId, muted }) {
      await requireHost(actor);
      const row = await deps.liveWrite(actor, () => setMuteLock(db, actor.roomId, participantId, muted), participantNotFound);
      if (muted) deps.toParticipants(actor.roomId, [participantId], 'muted-by-presenter', {});
      return updated(actor.roomId, row);
    },

    async stopCamera(actor, { participantId }) {
      await requireHost(actor);
      const row = await deps.liveWrite(actor, () => stopVideo(db, actor.roomId, participantId), participantNotFound);
      deps.toParticipants(actor.roomId, [participantId], 'camera-stopped', {});
      return updated(actor.roomId, row);
    },

    async removeParticipant(actor, { participantId, ban }) {
      const host = await requireHost(actor);
      const removed = await deps.liveWrite(
        actor,
        () => removeParticipant(db, { roomId: actor.roomId, id: participantId, ban, mayRemoveCoHosts: host.role === 'presenter' }),
        participantNotFound,
      );
      // Told first, then closed: the page shows why its connection went.
      deps.toParticipants(actor.roomId, [removed.id], 'removed', { banned: ban });
      deps.disconnect(actor.roomId, [removed.id]);
      deps.toRoom(actor.roomId, 'participant-left', { participantId: removed.id });
    },

    async setRoomOptions(actor, input) {
      await requireHost(actor);
      const room = await deps.liveWrite(actor, () => setRoomOptions(db, actor.roomId, input), roomEnded);
      const value = optionsOf(room);
      options.set(actor.roomId, { until: Date.now() + ttlMs, value });
      deps.toRoom(actor.roomId, 'room-options', { options: value });
      return value;
    },

    approveQuestion(actor, { questionId }) {
      return deps.inTurn(actor.roomId, async () => {
        await requireHost(actor);
        const approved = await deps.liveWrite(actor, () => setQuestionStatus(db, actor.roomId, questionId, ['pending'], 'visible'), questionNotFound);
        const question = toQuestionBody(approved);
        await announceQuestion(actor.roomId, question);
        return question;
      });
    },

    dismissQuestion(actor, { questionId }) {
      return deps.inTurn(actor.roomId, async () => {
        await requireHost(actor);
        await deps.liveWrite(actor, () => setQuestionStatus(db, actor.roomId, questionId, ['pending', 'visible'], 'dismissed'), questionNotFound);
        deps.toRoom(actor.roomId, 'question-dismissed', { questionId });
      });
    },

    highlightQuestion(actor, { questionId }) {
      return deps.inTurn(actor.roomId, async () => {
        await requireHost(actor);
        await deps.liveWrite(actor, () => setHighlightedQuestion(db, actor.roomId, questionId), questionNotFound);
        deps.toRoom(actor.roomId, 'question-highlighted', { questionId });
      });
    },

    async deleteChatMessage(actor, { messageId }) {
      await requireHost(actor);
      await deps.liveWrite(actor, () => deleteChatMessage(db, actor.roomId, messageId), messageNotFound);
      deps.toRoom(actor.roomId, 'chat-message-deleted', { messageId });
    },

    async handOverPresenter(actor, { participantId }) {
      if (actor.role !== 'presenter' || (await self(actor)).role !== 'presenter') throw presenterOnly();
      if (participantId === actor.participantId) throw new RoomError('conflict', 'You are the presenter already');
      return presenterMoved(actor, actor.participantId, participantId, false);
    },

    async takeOverPresenting(actor) {
      const me = await self(actor);
      if (!me.isCoHost || me.role !== 'attendee') throw new RoomError('forbidden', 'Only a co-host may take over presenting');
      const presenter = await findPresenter(db, actor.roomId);
      if (!presenter) throw roomEnded();
      if (presenter.leftAt === null) throw new RoomError('conflict', 'The presenter is here: only they hand over the presenter role');
      return presenterMoved(actor, presenter.id, actor.participantId, true);
    },

    async questionsFor(actor) {
      const row = await self(actor);
      const host = isHostRow(row);
      const rows = await listQuestions(db, actor.roomId, actor.participantId);
      return rows
        .map(toQuestionBody)
        .filter((q) => q.status === 'visible' || (q.status === 'pending' && (host || q.participantId === actor.participantId)))
        .map((q) => questionForViewer(q, { participantId: actor.participantId, host }));
    },

    async requireChatAllowed(actor) {
      if (actor.role === 'presenter') return;
      if ((await roomOptions(actor.roomId, true)).attendeeChat) return;
      if (!(await self(actor)).isCoHost) throw new RoomError('forbidden', 'Chat is off for attendees in this room; questions are open');
    },

    async placeQuestion(actor, anonymous) {
      const needsApproval = actor.role !== 'presenter' && (await roomOptions(actor.roomId)).questionsNeedApproval;
      const pending = needsApproval && !(await self(actor)).isCoHost;
      return { status: pending ? 'pending' : 'visible', isAnonymous: anonymous };
    },

    announceQuestion,

    async mayUseMicrophone(actor) {
      if (actor.role === 'presenter') return true;
      const row = await self(actor);
      if (row.muteLocked) return false;
      return row.stage === 'speaker' || (await roomOptions(actor.roomId)).attendeeMicrophones;
    },

    async mayPublish(actor) {
      if (actor.role === 'presenter') return true;
      const row = await findParticipant(db, actor.roomId, actor.participantId);
      return Boolean(row && !row.removedAt && row.stage === 'speaker');
    },
  };
}

function optionsOf(room: { isLocked: boolean; questionsNeedApproval: boolean; attendeeChat: boolean; attendeeMicrophones: boolean; lobby: boolean }): RoomOptionsBody {
  return {
    isLocked: room.isLocked,
    questionsNeedApproval: room.questionsNeedApproval,
    attendeeChat: room.attendeeChat,
    attendeeMicrophones: room.attendeeMicrophones,
    lobby: room.lobby,
  };
}
