// The Broadcaster port: what the room core tells a room's sockets after a write commits. Signaling implements it.
import type { ReactionEmoji } from './actions.ts';
import type { PollEvents } from './polls.ts';
import type { ChatMessageBody, LobbyEntryBody, ParticipantBody, QuestionBody, SessionStatsBody } from './schemas.ts';

/** Server-to-client events that a room action can cause; the signaling protocol extends these. */
export interface RoomEvents extends PollEvents {
  'new-chat-message': { message: ChatMessageBody };
  'new-question': { question: QuestionBody };
  'question-voted': { questionId: string; votes: number };
  /** `answer` is null when the question was only marked answered. */
  'question-answered': { questionId: string; answer: string | null; answeredAt: string };
  'question-pinned': { questionId: string; isPinned: boolean };
  'participant-joined': { participant: ParticipantBody };
  'participant-left': { participantId: string };
  'room-ended': { sessionStats: SessionStatsBody };
  'participant-updated': { participant: ParticipantBody };
  reaction: { participantId: string; emoji: ReactionEmoji };
  'presenter-screen-sharing': { isSharing: boolean };
  'question-dismissed': { questionId: string };
  /** The question the presenter is answering now ("answering now"), or none. */
  'question-highlighted': { questionId: string | null };
  'chat-message-deleted': { messageId: string };
  'room-options': { options: RoomOptionsBody };
  /** The presenter role moved (a handover, or a co-host's takeover): every page follows, then reconnects. */
  'presenter-changed': { presenterId: string; previousPresenterId: string; presenterName: string | null };
  /** A scheduled room went live (its presenter's "Go live"). */
  'room-live': { liveAt: string };
  /** The presenter changed how many seats the room has (the presenter included). */
  'room-capacity': { maxParticipants: number };
}

/** A room's moderation options, as the room hears them. */
export interface RoomOptionsBody {
  isLocked: boolean;
  questionsNeedApproval: boolean;
  attendeeChat: boolean;
  attendeeMicrophones: boolean;
  /** New attendees wait in the lobby until a host admits them. */
  lobby: boolean;
}

/** Events addressed to some participants (each on all of their sockets), not to the whole room. */
export interface ParticipantEvents extends PollEvents {
  'muted-by-presenter': Record<never, never>;
  /** A host turned this participant's camera off. */
  'camera-stopped': Record<never, never>;
  /** A host invites this attendee to the stage; they check their devices and accept or decline. */
  'stage-invited': { by: string | null };
  /** This participant was removed; their sockets close right after. */
  removed: { banned: boolean };
  /** To hosts: a question as hosts see it (awaiting approval, or anonymous with its author's name). */
  'question-for-hosts': { question: QuestionBody };
  /** To hosts: everyone waiting outside the room now, first come first (on every arrival, admission, denial or leave). */
  'lobby-updated': { waiting: LobbyEntryBody[] };
  /** To a waiting attendee: they are in; their page joins the room on the same connection. */
  'lobby-admitted': Record<never, never>;
  /** To a waiting attendee: a host turned them away; their token no longer works and their sockets close. */
  'lobby-denied': Record<never, never>;
  /** To the asker: a host answered (or marked answered) their question. */
  'your-question-answered': { questionId: string; question: string; answer: string | null };
  /** To hosts: how many joins the room has refused so far because every seat was taken. */
  'joins-refused': { refusedJoins: number };
  /** To attendees still waiting when the room goes live (the lobby holds them until a host admits them). */
  'room-live': { liveAt: string };
}

export interface Broadcaster {
  /** Sends one event to every socket in the room, on every signaling process. */
  toRoom<E extends keyof RoomEvents>(roomId: string, event: E, payload: RoomEvents[E]): void;
  /** Sends one event to every socket of each of these participants, on every signaling process. */
  toParticipants<E extends keyof ParticipantEvents>(participantIds: string[], event: E, payload: ParticipantEvents[E]): void;
  /**
   * Closes every socket of these participants, on every signaling process (after a removal). `sparing`: not the
   * sockets whose handshake already resolved this participant as the room's presenter (after a presenter change,
   * the pages that reconnected quickly already know it).
   */
  disconnectParticipants(participantIds: string[], sparing?: { presenterId: string }): void;
  /** Tells the room it has ended, then disconnects its sockets. */
  endRoom(roomId: string, sessionStats: SessionStatsBody): Promise<void>;
  /** Sockets connected to this deployment, as far as this process can tell. */
  connectedSockets(): Promise<number>;
}

/** For a process with no sockets: writes still succeed, nobody is listening. */
export const silentBroadcaster: Broadcaster = {
  toRoom() {},
  toParticipants() {},
  disconnectParticipants() {},
  async endRoom() {},
  async connectedSockets() {
    return 0;
  },
};
