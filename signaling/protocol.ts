// The signaling contract: typed event maps and one zod schema per client event. Server and UI share it.
import { z } from 'zod';
import { actionInputs, lobbyInputs, moderationInputs, seatInputs } from '../core/actions.ts';
import { pollInputs, type PollBody } from '../core/polls.ts';
import { receivedQualityInput } from '../core/received-quality.ts';
import type { ParticipantEvents, RoomEvents, RoomOptionsBody } from '../core/broadcast.ts';
import type { AddressPolicy } from './candidates.ts';
import { MAX_CANDIDATE_BYTES, MAX_SDP_BYTES, MAX_SPEAKERS_PER_ROOM, SLUG_PATTERN } from '../core/limits.ts';
import { transportErrorCodes } from '../core/errors.ts';
import type { ChatMessageBody, LobbyEntryBody, ParticipantBody, QuestionBody, RoomBody, SessionStatsBody } from '../core/schemas.ts';

export { MAX_CANDIDATE_BYTES, MAX_SDP_BYTES };

export { reactionEmojis, type ReactionEmoji } from '../core/actions.ts';

// The socket-only codes: the SFU this room needs is not there; the socket waits outside the room (lobby).
export const socketErrorCodes = [...transportErrorCodes, 'media_unavailable', 'waiting'] as const;
export type SocketErrorCode = (typeof socketErrorCodes)[number];

export interface AckError {
  ok: false;
  /** `retryAfterMs` comes with `busy`, `rate_limited` and `unavailable`: when trying again is likely to succeed. */
  error: { code: SocketErrorCode; message: string; retryAfterMs?: number };
}
export type AckResult<T extends object = Record<never, never>> = ({ ok: true } & T) | AckError;
export type Ack<T extends object = Record<never, never>> = (result: AckResult<T>) => void;

// Lower-cased so that an id names one participant's channel and one question whatever case the client wrote.
const id = z.uuid().transform((s) => s.toLowerCase());
const slug = z.string().regex(SLUG_PATTERN);
const byteLength = (s: string) => new TextEncoder().encode(s).length;

const sessionDescription = (type: 'offer' | 'answer') =>
  z.object({
    type: z.literal(type),
    sdp: z.string().min(1).refine((s) => byteLength(s) <= MAX_SDP_BYTES, `SDP is limited to ${MAX_SDP_BYTES} bytes`),
  });

/** `null` is the end-of-candidates marker. */
const iceCandidate = z
  .object({
    candidate: z.string().refine((s) => byteLength(s) <= MAX_CANDIDATE_BYTES, `candidates are limited to ${MAX_CANDIDATE_BYTES} bytes`),
    sdpMid: z.string().max(64).nullable().optional(),
    sdpMLineIndex: z.number().int().min(0).max(1024).nullable().optional(),
    usernameFragment: z.string().max(256).nullable().optional(),
  })
  .nullable();

/** An SDP for the media server: bounded, and at least shaped like a session description before Janus sees it. */
const sfuSdp = z
  .string()
  .min(1)
  .refine((s) => byteLength(s) <= MAX_SDP_BYTES, `SDP is limited to ${MAX_SDP_BYTES} bytes`)
  .refine((s) => /^v=0\r?\n/.test(s) && /\r?\nm=(audio|video) /.test(s), 'expected an SDP with at least one audio or video section');

/** How a room's media travels: the presenter's star of peer connections, or Janus (the SFU). */
export const mediaModes = ['star', 'sfu'] as const;
export type MediaMode = (typeof mediaModes)[number];

/** Why a room moved to the SFU: too many attendees for the star, the presenter's uplink or encoder, or MEDIA_MODE=sfu. */
export type MediaModeReason = 'attendees' | 'uplink' | 'encoder' | 'configured';

/** The video an attendee gets through the SFU, and why the server chose it. */
export const sfuLayers = ['high', 'medium', 'low', 'audio-only'] as const;
export type SfuLayerName = (typeof sfuLayers)[number];
export type SfuLayerReason = 'loss' | 'rtt' | 'bandwidth' | 'decode' | 'request' | 'recovered';

export interface MediaModeBody {
  mode: MediaMode;
  /** The presenter's Janus feed once its media reaches Janus; attendees subscribe to it. */
  feed: number | null;
  reason: MediaModeReason | null;
  /** Whether this server can move rooms to an SFU at all. */
  sfuAvailable: boolean;
  /** How many attendees the star serves well; past it an auto room moves to the SFU. */
  starMaxAttendees: number;
  /**
   * The speakers on stage whose media reaches Janus (on the SFU; empty on the star): everyone else subscribes to
   * each of these feeds beside the presenter's, and closes a subscription whose speaker is no longer listed.
   */
  speakers: SpeakerFeed[];
}

/** One speaker's publication on the SFU. */
export interface SpeakerFeed {
  participantId: string;
  feed: number;
}

/**
 * Presenter ↔ attendee notices about one peer's media, relayed along the star like SDP. `peer-ready`: an
 * attendee's page opened a new peer connection (first join, reload) and waits for the presenter's offer.
 * `sfu-switched`: the attendee decodes the presenter through the SFU now, so the star peer carries only its
 * microphone (the presenter stops sending it media). `stage-feeds` (presenter to attendee only): which of the
 * streams the presenter forwards on the star carries which speaker (`feeds`), so the page names their tiles.
 */
export const mediaControlActions = ['video-paused', 'video-resumed', 'audio-only-on', 'audio-only-off', 'peer-ready', 'sfu-switched', 'stage-feeds'] as const;
export type MediaControlAction = (typeof mediaControlActions)[number];

/** A stream the presenter forwards to attendees on the star (its MediaStream id in the SDP), and whose it is. */
export interface StageFeed {
  stream: string;
  participantId: string;
}

export const clientEventSchemas = {
  'join-room': z.object({ slug }),
  'webrtc-offer': z.object({ target: id, offer: sessionDescription('offer') }),
  'webrtc-answer': z.object({ target: id, answer: sessionDescription('answer') }),
  'webrtc-ice-candidate': z.object({ target: id, candidate: iceCandidate }),
  'media-control': z.object({
    target: id,
    action: z.enum(mediaControlActions),
    reason: z.enum(['bandwidth', 'loss', 'request']).optional(),
    feeds: z
      .array(z.object({ stream: z.string().min(1).max(64), participantId: id }))
      .max(MAX_SPEAKERS_PER_ROOM)
      .optional(),
  }),
  // Room actions take the core's own schemas, which REST uses too: one set of limits for both transports.
  'chat-message': actionInputs.sendChat.extend({ roomSlug: slug }),
  reaction: actionInputs.react,
  'ask-question': actionInputs.ask,
  'vote-question': actionInputs.vote,
  'answer-question': actionInputs.answer,
  'pin-question': actionInputs.pin,
  'screen-share-start': z.object({ roomSlug: slug }),
  'screen-share-stop': z.object({}).optional(),
  'mute-all-attendees': z.object({}).optional(),
  'end-room': z.object({}).optional(),
  'media-state': z.object({ audio: z.boolean(), video: z.boolean() }),
  'webrtc-report': z.object({
    peerId: id,
    outcome: z.enum(['connected', 'failed']),
    timeToConnectMs: z.number().min(0).max(600_000).optional(),
    iceRestarts: z.number().int().min(0).max(1000).optional(),
  }),
  // The SFU: browsers reach Janus only through these, so tokens, roles and rate limits stay the only way in.
  'sfu-publish': z.object({ sdp: sfuSdp }),
  // `speaker`: a subscription to that speaker's feed, which lives beside the one to the presenter's.
  'sfu-subscribe': z.object({ feed: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER), speaker: id.optional() }),
  'sfu-answer': z.object({ sdp: sfuSdp, speaker: id.optional() }),
  // `to: 'speaker'`: the candidate is for an attendee's publication on stage; `speaker`: for the subscription to
  // that speaker's feed; neither: for the presenter's publication or the subscription to it.
  'sfu-ice': z
    .object({ candidate: iceCandidate, to: z.literal('speaker').optional(), speaker: id.optional() })
    .refine((p) => !(p.to && p.speaker), 'a candidate is for one connection: `to` or `speaker`, not both'),
  'sfu-stats': z.object({
    lossPct: z.number().min(0).max(100),
    rttMs: z.number().min(0).max(60_000),
    availableKbps: z.number().min(0).max(1_000_000).nullable(),
    // Optional: a page loaded before it was added still reports.
    receivedKbps: z.number().min(0).max(1_000_000).nullable().optional(),
    decodeFps: z.number().min(0).max(240),
  }),
  'sfu-layer': z.object({ audioOnly: z.boolean() }),
  'sfu-upgrade': z.object({ reason: z.enum(['uplink', 'encoder']) }),
  // What an attendee on the star receives, for the session report (over the SFU, `sfu-stats` carries it).
  'received-quality': receivedQualityInput,
  // Polls: the core's own schemas, as REST uses them.
  'create-poll': pollInputs.create,
  'launch-poll': pollInputs.launch,
  'vote-poll': pollInputs.vote,
  'close-poll': pollInputs.close,
  // Moderation (signaling/moderation.ts over core/moderation.ts); the same schemas as the REST routes.
  'raise-hand': moderationInputs.raiseHand,
  'set-co-host': moderationInputs.setCoHost,
  'stage-invite': moderationInputs.inviteToStage,
  'stage-answer': moderationInputs.answerStageInvite,
  'stage-leave': moderationInputs.leaveStage,
  'mute-participant': moderationInputs.muteParticipant,
  'stop-camera': moderationInputs.stopCamera,
  'remove-participant': moderationInputs.removeParticipant,
  'room-options': moderationInputs.setRoomOptions,
  'approve-question': moderationInputs.approveQuestion,
  'dismiss-question': moderationInputs.dismissQuestion,
  'highlight-question': moderationInputs.highlightQuestion,
  'delete-chat-message': moderationInputs.deleteChatMessage,
  'hand-over-presenter': moderationInputs.handOverPresenter,
  'take-over-presenting': moderationInputs.takeOverPresenting.optional(),
  'list-questions': z.object({}).optional(),
  // The lobby and going live (signaling/lobby.ts over core/lobby.ts); the same schemas as the REST routes.
  'lobby-status': z.object({}).optional(),
  'list-lobby': z.object({}).optional(),
  'admit-participant': lobbyInputs.admitParticipant,
  'admit-all': z.object({}).optional(),
  'deny-participant': lobbyInputs.denyParticipant,
  'go-live': z.object({}).optional(),
  // Seats (signaling/seats.ts over core/seats.ts); the same schemas as the REST routes.
  'leave-room': z.object({}).optional(),
  'set-capacity': seatInputs.setCapacity,
} as const;

/** Events a socket waiting outside the room may send: asking where it stands, nothing else. */
export const waitingEvents: ReadonlySet<ClientEvent> = new Set(['lobby-status']);

/** Where a socket stands: in the room, or waiting outside it (for a host in the lobby, or for the room to go live). */
export type LobbyStatus = 'in' | 'waiting';

export type ClientEvent = keyof typeof clientEventSchemas;
export type ClientPayload<E extends ClientEvent> = z.input<(typeof clientEventSchemas)[E]>;

export interface SelfBody {
  participantId: string;
  role: ParticipantBody['role'];
  name: string | null;
}

export interface JoinRoomResult {
  self: SelfBody;
  room: RoomBody;
  participants: ParticipantBody[];
  presenterId: string;
  isScreenSharing: boolean;
}

export interface ClientToServerEvents {
  'join-room': (payload: ClientPayload<'join-room'>, ack: Ack<JoinRoomResult>) => void;
  'webrtc-offer': (payload: ClientPayload<'webrtc-offer'>, ack: Ack) => void;
  'webrtc-answer': (payload: ClientPayload<'webrtc-answer'>, ack: Ack) => void;
  'webrtc-ice-candidate': (payload: ClientPayload<'webrtc-ice-candidate'>, ack: Ack) => void;
  'media-control': (payload: ClientPayload<'media-control'>, ack: Ack) => void;
  'chat-message': (payload: ClientPayload<'chat-message'>, ack: Ack<{ message: ChatMessageBody }>) => void;
  reaction: (payload: ClientPayload<'reaction'>, ack: Ack) => void;
  'ask-question': (payload: ClientPayload<'ask-question'>, ack: Ack<{ question: QuestionBody }>) => void;
  'vote-question': (payload: ClientPayload<'vote-question'>, ack: Ack<{ votes: number }>) => void;
  'answer-question': (payload: ClientPayload<'answer-question'>, ack: Ack) => void;
  'pin-question': (payload: ClientPayload<'pin-question'>, ack: Ack) => void;
  'screen-share-start': (payload: ClientPayload<'screen-share-start'>, ack: Ack) => void;
  'screen-share-stop': (payload: ClientPayload<'screen-share-stop'>, ack: Ack) => void;
  'mute-all-attendees': (payload: ClientPayload<'mute-all-attendees'>, ack: Ack<{ muted: number }>) => void;
  'end-room': (payload: ClientPayload<'end-room'>, ack: Ack<{ sessionStats: SessionStatsBody }>) => void;
  'media-state': (payload: ClientPayload<'media-state'>, ack: Ack) => void;
  'webrtc-report': (payload: ClientPayload<'webrtc-report'>, ack: Ack) => void;
  'sfu-publish': (payload: ClientPayload<'sfu-publish'>, ack: Ack<{ sdp: string }>) => void;
  'sfu-subscribe': (payload: ClientPayload<'sfu-subscribe'>, ack: Ack<{ sdp: string }>) => void;
  'sfu-answer': (payload: ClientPayload<'sfu-answer'>, ack: Ack) => void;
  'sfu-ice': (payload: ClientPayload<'sfu-ice'>, ack: Ack) => void;
  'sfu-stats': (payload: ClientPayload<'sfu-stats'>, ack: Ack<{ layer: SfuLayerName }>) => void;
  'sfu-layer': (payload: ClientPayload<'sfu-layer'>, ack: Ack<{ layer: SfuLayerName }>) => void;
  'sfu-upgrade': (payload: ClientPayload<'sfu-upgrade'>, ack: Ack<{ mode: MediaMode }>) => void;
  /** `counted` is false for a report sooner than a few seconds after the last counted one. */
  'received-quality': (payload: ClientPayload<'received-quality'>, ack: Ack<{ counted: boolean }>) => void;
  'create-poll': (payload: ClientPayload<'create-poll'>, ack: Ack<{ poll: PollBody }>) => void;
  'launch-poll': (payload: ClientPayload<'launch-poll'>, ack: Ack<{ poll: PollBody }>) => void;
  'vote-poll': (payload: ClientPayload<'vote-poll'>, ack: Ack<{ poll: PollBody }>) => void;
  'close-poll': (payload: ClientPayload<'close-poll'>, ack: Ack<{ poll: PollBody }>) => void;
  'raise-hand': (payload: ClientPayload<'raise-hand'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'set-co-host': (payload: ClientPayload<'set-co-host'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'stage-invite': (payload: ClientPayload<'stage-invite'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'stage-answer': (payload: ClientPayload<'stage-answer'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'stage-leave': (payload: ClientPayload<'stage-leave'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'mute-participant': (payload: ClientPayload<'mute-participant'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'stop-camera': (payload: ClientPayload<'stop-camera'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'remove-participant': (payload: ClientPayload<'remove-participant'>, ack: Ack) => void;
  'room-options': (payload: ClientPayload<'room-options'>, ack: Ack<{ options: RoomOptionsBody }>) => void;
  'approve-question': (payload: ClientPayload<'approve-question'>, ack: Ack<{ question: QuestionBody }>) => void;
  'dismiss-question': (payload: ClientPayload<'dismiss-question'>, ack: Ack) => void;
  'highlight-question': (payload: ClientPayload<'highlight-question'>, ack: Ack) => void;
  'delete-chat-message': (payload: ClientPayload<'delete-chat-message'>, ack: Ack) => void;
  'hand-over-presenter': (payload: ClientPayload<'hand-over-presenter'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'take-over-presenting': (payload: ClientPayload<'take-over-presenting'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  /** The questions as this participant may see them (hosts: with those awaiting approval). */
  'list-questions': (payload: ClientPayload<'list-questions'>, ack: Ack<{ questions: QuestionBody[] }>) => void;
  /** Whether this socket is in the room now; a waiting page asks on connecting and after each lobby event. */
  'lobby-status': (payload: ClientPayload<'lobby-status'>, ack: Ack<{ status: LobbyStatus; room: RoomBody }>) => void;
  'list-lobby': (payload: ClientPayload<'list-lobby'>, ack: Ack<{ waiting: LobbyEntryBody[] }>) => void;
  'admit-participant': (payload: ClientPayload<'admit-participant'>, ack: Ack<{ participant: ParticipantBody }>) => void;
  'admit-all': (payload: ClientPayload<'admit-all'>, ack: Ack<{ admitted: number }>) => void;
  'deny-participant': (payload: ClientPayload<'deny-participant'>, ack: Ack) => void;
  'go-live': (payload: ClientPayload<'go-live'>, ack: Ack<{ room: RoomBody }>) => void;
  /** An attendee leaves: the seat is free at once, the room hears participant-left, then this socket closes. */
  'leave-room': (payload: ClientPayload<'leave-room'>, ack: Ack) => void;
  /** The presenter sets the room's seats (the presenter included), never below the seats held now. */
  'set-capacity': (payload: ClientPayload<'set-capacity'>, ack: Ack<{ maxParticipants: number }>) => void;
}

type Emitters<T> = { [E in keyof T]: (payload: T[E]) => void };

export interface ServerToClientEvents extends Emitters<RoomEvents>, Emitters<ParticipantEvents> {
  'webrtc-offer': (payload: { from: string; offer: RTCSessionDescriptionInit }) => void;
  'webrtc-answer': (payload: { from: string; answer: RTCSessionDescriptionInit }) => void;
  'webrtc-ice-candidate': (payload: { from: string; candidate: RTCIceCandidateInit | null }) => void;
  'media-control': (payload: { from: string; action: MediaControlAction; reason?: 'bandwidth' | 'loss' | 'request'; feeds?: StageFeed[] }) => void;
  /** On connecting, and whenever the room's media mode or the presenter's feed changes. */
  'media-mode': (payload: MediaModeBody) => void;
  /** The room's media server went away and the room now lives on another: publish or subscribe again. */
  'sfu-renegotiate': (payload: Record<never, never>) => void;
  /** To the presenter: the layer the server chose for one attendee, and why. */
  'sfu-layer': (payload: { participantId: string; layer: SfuLayerName; reason: SfuLayerReason }) => void;
}

/** Between signaling processes (and from the API process's emitter), never to or from browsers. */
export interface InterServerEvents {
  /** Each process tells its own sockets of the room, then disconnects them, so nothing arrives out of order. */
  'room-ended': (roomId: string, sessionStats: SessionStatsBody) => void;
  /** How many sockets a process holds (of one participant, or all with null): counts cross processes, sockets never. */
  'count-sockets': (participantId: string | null, ack: (count: number) => void) => void;
}

/** What `webrtc-report` hands to the metrics hook, with who sent it. */
export type WebrtcReport = z.output<(typeof clientEventSchemas)['webrtc-report']> & {
  roomId: string;
  participantId: string;
  role: ParticipantBody['role'];
};

/** Resolved once at the handshake from the bearer token; handlers trust only this. */
export interface SocketData {
  participantId: string;
  roomId: string;
  roomSlug: string;
  role: ParticipantBody['role'];
  name: string | null;
  /** The room's presenter: the only peer an attendee may signal. */
  presenterId: string;
  /** Which of this participant's candidates and SDP address lines may leave through the relay. */
  addressPolicy: AddressPolicy;
  /**
   * Waiting outside the room (lobby, or a scheduled room not live yet): the socket is in no room channel, hears only
   * its own admission, and may send only `waitingEvents` until the database says it is in (checked on each event).
   */
  waiting: boolean;
}

/** The Socket.io room every socket of one participant joins, so relays address participants, not sockets. */
export const participantChannel = (participantId: string) => `p:${participantId}`;

/** The Socket.io room of the sockets whose handshake resolved this participant as their room's presenter. */
export const presenterViewChannel = (presenterId: string) => `v:${presenterId}`;

/** The Socket.io room of a room's waiting sockets: they hear the room's end, and nothing else of it. */
export const lobbyChannel = (roomId: string) => `w:${roomId}`;
