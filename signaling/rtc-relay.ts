// WebRTC signaling along the star: attendees reach only the presenter, the presenter any attendee of the room;
// candidates and SDP address lines leave only as the room's address policy allows.
import { findParticipant } from '../db/participants.ts';
import type { ParticipantRole } from '../db/schema.ts';
import type { EventHandlers, HandlerDeps, SignalingSocket } from './context.ts';
import { filterCandidate, filterSdp } from './candidates.ts';
import { forbidden, SignalingError } from './errors.ts';
import { participantChannel, type WebrtcReport } from './protocol.ts';

export interface RelayOptions {
  /** Where connection outcomes go (metrics); a failing hook never affects the client. */
  onWebrtcReport?: (report: WebrtcReport) => void;
}

type RelayEvent = 'webrtc-offer' | 'webrtc-answer' | 'webrtc-ice-candidate' | 'media-control' | 'webrtc-report';

/** A participant's room and role never change, so lookups are cached; the cap only bounds memory. */
const ROLE_CACHE_MAX = 10_000;

export function createRelayHandlers({ db, io }: HandlerDeps, options: RelayOptions = {}): EventHandlers<RelayEvent> {
  const roles = new Map<string, ParticipantRole>();

  async function roleInRoom(roomId: string, participantId: string): Promise<ParticipantRole | undefined> {
    const key = `${roomId}:${participantId}`;
    const cached = roles.get(key);
    if (cached) return cached;
    const participant = await findParticipant(db, roomId, participantId);
    if (!participant) return undefined;
    if (roles.size >= ROLE_CACHE_MAX) roles.clear();
    roles.set(key, participant.role);
    return participant.role;
  }

  /** Throws `forbidden` unless the star allows this socket to signal `target`. */
  async function requireStarEdge(socket: SignalingSocket, target: string): Promise<void> {
    const { role, presenterId, participantId, roomId } = socket.data;
    if (target === participantId) throw forbidden('A participant cannot signal itself');
    if (role === 'attendee') {
      if (target !== presenterId) throw forbidden('Attendees may signal only the presenter');
      return;
    }
    if ((await roleInRoom(roomId, target)) !== 'attendee') throw forbidden('The target is not an attendee of this room');
  }

  return {
    async 'webrtc-offer'(socket, { target, offer }, ack) {
      await requireStarEdge(socket, target);
      ack({ ok: true });
      const sdp = filterSdp(offer.sdp, socket.data.addressPolicy);
      io.to(participantChannel(target)).emit('webrtc-offer', { from: socket.data.participantId, offer: { ...offer, sdp } });
    },

    async 'webrtc-answer'(socket, { target, answer }, ack) {
      await requireStarEdge(socket, target);
      ack({ ok: true });
      const sdp = filterSdp(answer.sdp, socket.data.addressPolicy);
      io.to(participantChannel(target)).emit('webrtc-answer', { from: socket.data.participantId, answer: { ...answer, sdp } });
    },

    async 'webrtc-ice-candidate'(socket, { target, candidate }, ack) {
      await requireStarEdge(socket, target);
      ack({ ok: true });
      // A candidate the room's policy keeps back is acknowledged like any other: the sender learns nothing from it.
      const allowed = candidate === null ? null : filterCandidate(candidate.candidate, socket.data.addressPolicy);
      if (candidate !== null && allowed === null) return;
      io.to(participantChannel(target)).emit('webrtc-ice-candidate', {
        from: socket.data.participantId,
        candidate: candidate === null ? null : { ...candidate, candidate: allowed! },
      });
    },

    async 'media-control'(socket, { target, action, reason, feeds }, ack) {
      await requireStarEdge(socket, target);
      // Only the presenter's hub forwards speakers, so only it names them.
      if ((action === 'stage-feeds') !== (feeds !== undefined)) throw new SignalingError('validation_error', 'feeds come with stage-feeds, and only with it');
      if (action === 'stage-feeds' && socket.data.role !== 'presenter') throw forbidden('Only the presenter forwards speakers');
      ack({ ok: true });
      io.to(participantChannel(target)).emit('media-control', {
        from: socket.data.participantId,
        action,
        ...(reason ? { reason } : {}),
        ...(feeds ? { feeds } : {}),
      });
    },

    async 'webrtc-report'(socket, report, ack) {
      ack({ ok: true });
      try {
        options.onWebrtcReport?.({
          ...report,
          roomId: socket.data.roomId,
          participantId: socket.data.participantId,
          role: socket.data.role,
        });
      } catch {
        // Metrics are best effort: a broken hook must not turn into an error for the browser.
      }
    },
  };
}
