// What one socket sends is handled and relayed in the order it was sent.
import { describe, expect, it } from 'vitest';
import { createTestRoom, joinAs, nextEvent, useSignaling } from './testing.ts';

const live = useSignaling();

describe('event order', () => {
  it('should relay an offer before its ICE candidates, and the candidates in order, when sent without waiting', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const attendee = await addAttendee();
    const { socket: presenterSocket } = await joinAs(live.url, presenter, room.slug);
    const { socket: attendeeSocket } = await joinAs(live.url, attendee, room.slug);

    const received: string[] = [];
    attendeeSocket.on('webrtc-offer', () => received.push('offer'));
    attendeeSocket.on('webrtc-ice-candidate', ({ candidate }) => received.push(candidate?.candidate ?? 'end'));
    const last = nextEvent(attendeeSocket, 'webrtc-ice-candidate', 5_000, ({ candidate }) => candidate === null);

    // A fresh target: its role is not cached yet, so the offer takes the slowest path of all.
    presenterSocket.emit('webrtc-offer', { target: attendee.id, offer: { type: 'offer', sdp: 'v=0\r\n' } }, () => {});
    const candidates = Array.from({ length: 20 }, (_, i) => `candidate:${i} 1 udp 2122260223 127.0.0.1 ${50000 + i} typ host`);
    for (const candidate of candidates) {
      presenterSocket.emit('webrtc-ice-candidate', { target: attendee.id, candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0 } }, () => {});
    }
    presenterSocket.emit('webrtc-ice-candidate', { target: attendee.id, candidate: null }, () => {});
    await last;

    expect(received).toEqual(['offer', ...candidates, 'end']);
  });
});
