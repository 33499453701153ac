// The Broadcaster port: what the room core tells a room's sockets after a write commits. Signaling implements it.
import type { ReactionEmoji } from './actions.ts';
import type { PollEvents } from './polls.ts';
import type { ChatMessageBody, ParticipantBody, QuestionBody, SessionStatsBody } from './schemas.ts';

/** Server-to-client events that a room action can cause; the signaling protocol extends these. */
export interface RoomEvents extends PollEvents {
  'new-chat-message': { message: ChatMessageBody };
  'new-question': { question: QuestionBody };
  'question-voted': { questionId: string; votes: number };
  'question-answered': { questionId: string; answer: string; answeredAt: string };
  'question-pinned': { questionId: string; isPinned: boolean };
  'participant-joined': { participant: ParticipantBody };
  'participant-left': { participantId: string };
  'room-ended': { sessionStats: SessionStatsBody };
  'participant-updated': { participant: ParticipantBody };
  reaction: { participantId: string; emoji: ReactionEmoji };
  'presenter-screen-sharing': { isSharing: boolean };
}

/** Events addressed to some participants (each on all of their sockets), not to the whole room. */
export interface ParticipantEvents extends PollEvents {
  'muted-by-presenter': Record<never, never>;
}

export interface Broadcaster {
  /** Sends one event to every socket in the room, on every signaling process. */
  toRoom<E extends keyof RoomEvents>(roomId: string, event: E, payload: RoomEvents[E]): void;
  /** Sends one event to every socket of each of these participants, on every signaling process. */
  toParticipants<E extends keyof ParticipantEvents>(participantIds: string[], event: E, payload: ParticipantEvents[E]): void;
  /** Tells the room it has ended, then disconnects its sockets. */
  endRoom(roomId: string, sessionStats: SessionStatsBody): Promise<void>;
  /** Sockets connected to this deployment, as far as this process can tell. */
  connectedSockets(): Promise<number>;
}

/** For a process with no sockets: writes still succeed, nobody is listening. */
export const silentBroadcaster: Broadcaster = {
  toRoom() {},
  toParticipants() {},
  async endRoom() {},
  async connectedSockets() {
    return 0;
  },
};
