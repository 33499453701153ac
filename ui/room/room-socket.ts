// The typed Socket.io connection for one room, and the store's transport over it.
import { io, type Socket } from 'socket.io-client';
import type { AckResult, ClientToServerEvents, ServerToClientEvents } from '../../signaling/protocol.ts';
import type { PeerSignaling, SfuSignaling } from '../rtc/signaling.ts';
import type { RoomTransport } from './room-store.ts';

export type RoomSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

const ACK_TIMEOUT_MS = 10_000;

export function connectRoomSocket(token: string): RoomSocket {
  // WebSocket first: it needs no sticky sessions behind a load balancer; polling stays as a fallback.
  return io({ auth: { token }, transports: ['websocket', 'polling'], reconnectionDelayMax: 5000 });
}

export function socketTransport(socket: RoomSocket): RoomTransport {
  return async (event, payload) => {
    try {
      // emitWithAck's overloads cannot follow a generic event name; the ack shape comes from the contract.
      const timed = socket.timeout(ACK_TIMEOUT_MS);
      const send = timed.emitWithAck as (e: string, p: unknown) => Promise<AckResult<never>>;
      return await send.call(timed, event, payload);
    } catch {
      return { ok: false, error: { code: 'internal_error', message: 'The room did not answer in time. Check your connection.' } };
    }
  };
}

/** WebRTC signaling over the room socket; fire-and-forget, since a lost message is healed by an ICE restart. */
export function socketSignaling(socket: RoomSocket): PeerSignaling {
  const ignore = () => {};
  return {
    description(target, description) {
      if (description.type === 'offer') socket.emit('webrtc-offer', { target, offer: { type: 'offer', sdp: description.sdp ?? '' } }, ignore);
      else if (description.type === 'answer') socket.emit('webrtc-answer', { target, answer: { type: 'answer', sdp: description.sdp ?? '' } }, ignore);
    },
    candidate(target, candidate) {
      socket.emit('webrtc-ice-candidate', { target, candidate: candidate && { ...candidate, candidate: candidate.candidate ?? '' } }, ignore);
    },
    control(target, action, reason) {
      socket.emit('media-control', { target, action, ...(reason ? { reason } : {}) }, ignore);
    },
    stageFeeds(target, feeds) {
      socket.emit('media-control', { target, action: 'stage-feeds', feeds }, ignore);
    },
    report(report) {
      socket.emit('webrtc-report', report, ignore);
    },
  };
}

/**
 * Which of a page's SFU connections the events are for: the presenter's publication or the subscription to it
 * (none named), a subscription to a speaker's feed, or an attendee's own publication on stage.
 */
type SfuRoute = { speaker?: string; stage?: true };

/** The SFU events over the room socket: requests that answer (SDP) reject with the server's message when refused. */
export function socketSfu(socket: RoomSocket, route: SfuRoute = {}): SfuSignaling {
  const ignore = () => {};
  const request = async <T>(event: 'sfu-publish' | 'sfu-subscribe' | 'sfu-answer', payload: unknown): Promise<T> => {
    const result = (await socketTransport(socket)(event as 'sfu-publish', payload as { sdp: string })) as AckResult<T & object>;
    if (!result.ok) throw new Error(result.error.message);
    return result as T;
  };
  const speaker = route.speaker ? { speaker: route.speaker } : {};
  return {
    publish: async (sdp) => (await request<{ sdp: string }>('sfu-publish', { sdp })).sdp,
    subscribe: async (feed) => (await request<{ sdp: string }>('sfu-subscribe', { feed, ...speaker })).sdp,
    answer: async (sdp) => void (await request('sfu-answer', { sdp, ...speaker })),
    candidate(candidate) {
      const to = route.stage ? { to: 'speaker' as const } : speaker;
      socket.emit('sfu-ice', { candidate: candidate?.candidate ? { ...candidate, candidate: candidate.candidate } : null, ...to }, ignore);
    },
    stats(report) {
      // Layers are chosen for the presenter's feed; a speaker's comes at its top layer.
      if (!route.speaker) socket.emit('sfu-stats', report, ignore);
    },
    upgrade(reason) {
      socket.emit('sfu-upgrade', { reason }, ignore);
    },
    forSpeaker: (participantId) => socketSfu(socket, { speaker: participantId }),
    asSpeaker: () => socketSfu(socket, { stage: true }),
  };
}
