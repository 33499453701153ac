// Database rows to wire shapes: ISO times, and nothing secret (no hashes, tokens or socket ids).
import type { ChatMessage } from '../db/chat.ts';
import type { Question } from '../db/questions.ts';
import type { Participant, Room } from '../db/rooms.ts';
import type { ChatMessageBody, LobbyEntryBody, ParticipantBody, QuestionBody, RoomBody, RoomPreviewBody } from './schemas.ts';

const iso = (d: Date | string) => new Date(d).toISOString();
const isoOrNull = (d: Date | string | null) => (d === null ? null : iso(d));

export function toParticipantBody(p: Participant): ParticipantBody {
  return {
    id: p.id,
    name: p.name,
    role: p.role,
    isMuted: p.isMuted,
    isVideoOn: p.isVideoOn,
    joinedAt: iso(p.joinedAt),
    handRaisedAt: isoOrNull(p.handRaisedAt),
    stage: p.stage,
    isCoHost: p.isCoHost,
    muteLocked: p.muteLocked,
  };
}

/** The fields of `roomScheduleFields` (schemas.ts), from a room row. */
const scheduleOf = (r: Room) => ({
  lobby: r.lobby,
  startsAt: isoOrNull(r.startsAt),
  timeZone: r.timeZone,
  description: r.description,
  liveAt: isoOrNull(r.liveAt),
  createdAt: iso(r.createdAt),
  endedAt: isoOrNull(r.endedAt),
});

export function toRoomBody(r: Room): RoomBody {
  return {
    slug: r.slug,
    title: r.title,
    presenterName: r.presenterName,
    hasPassword: r.passwordHash !== null,
    maxParticipants: r.maxParticipants,
    isActive: r.isActive,
    hideAddresses: r.hideAddresses,
    hideLanAddresses: r.hideLanAddresses,
    isLocked: r.isLocked,
    questionsNeedApproval: r.questionsNeedApproval,
    attendeeChat: r.attendeeChat,
    attendeeMicrophones: r.attendeeMicrophones,
    highlightedQuestionId: r.highlightedQuestionId,
    refusedJoins: r.refusedJoins,
    ...scheduleOf(r),
  };
}

export function toRoomPreviewBody(r: Room, participantCount: number): RoomPreviewBody {
  return {
    slug: r.slug,
    title: r.title,
    hasPassword: r.passwordHash !== null,
    maxParticipants: r.maxParticipants,
    participantCount,
    isFull: participantCount >= r.maxParticipants,
    isLocked: r.isLocked,
    isActive: r.isActive,
    ...scheduleOf(r),
  };
}

export function toChatMessageBody(m: ChatMessage): ChatMessageBody {
  return {
    id: m.id,
    participantId: m.participantId,
    name: m.name,
    message: m.message,
    messageType: m.messageType,
    clientMessageId: m.clientMessageId,
    createdAt: iso(m.createdAt),
  };
}

export function toQuestionBody(q: Question): QuestionBody {
  return {
    id: q.id,
    participantId: q.participantId,
    name: q.name,
    question: q.question,
    votes: q.votes,
    isAnswered: q.isAnswered,
    isPinned: q.isPinned,
    answer: q.answer,
    answeredAt: isoOrNull(q.answeredAt),
    createdAt: iso(q.createdAt),
    votedByMe: Boolean(q.votedByMe),
    status: q.status,
    isAnonymous: q.isAnonymous,
  };
}

export function toLobbyEntryBody(p: Participant): LobbyEntryBody {
  return { participantId: p.id, name: p.name, joinedAt: iso(p.joinedAt) };
}
