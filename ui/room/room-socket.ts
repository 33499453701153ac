// The typed Socket.io connection for one room, and the store's transport over it.
import { io, type Socket } from 'socket.io-client';
import type { AckResult, ClientToServerEvents, ServerToClientEvents } from '../../signaling/protocol.ts';
import type { PeerSignaling } from '../rtc/signaling.ts';
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
    report(report) {
      socket.emit('webrtc-report', report, ignore);
    },
  };
}
