import { describe, expect, it } from 'vitest';
import { MAX_CANDIDATE_BYTES, MAX_SDP_BYTES, type WebrtcReport } from './protocol.ts';
import { barrier, createTestRoom, joinAs, nextEvent, recordEvents, useSignaling } from './testing.ts';

const reports: WebrtcReport[] = [];
const live = useSignaling({}, { onWebrtcReport: (report) => reports.push(report) });

/** A room with its presenter and two attendees connected, plus a presenter of another room. */
async function star(privacy: { hideAddresses?: boolean; hideLanAddresses?: boolean } = {}) {
  const { room, presenter, addAttendee } = await createTestRoom(live.db, privacy);
  const [ada, bob] = await Promise.all([addAttendee('Ada'), addAttendee('Bob')]);
  const other = await createTestRoom(live.db);
  const otherAttendee = await other.addAttendee('Eve');
  const fixture = {
    room,
    presenter: { ...presenter, socket: (await joinAs(live.url, presenter, room.slug)).socket },
    ada: { ...ada, socket: (await joinAs(live.url, ada, room.slug)).socket },
    bob: { ...bob, socket: (await joinAs(live.url, bob, room.slug)).socket },
    stranger: { ...other.presenter, socket: (await joinAs(live.url, other.presenter, other.room.slug)).socket },
    strangerAttendee: { ...otherAttendee, socket: (await joinAs(live.url, otherAttendee, other.room.slug)).socket },
  };
  // The participant-joined events of the setup are delivered before any test starts recording.
  await Promise.all([fixture.presenter, fixture.ada, fixture.bob, fixture.stranger, fixture.strangerAttendee].map((p) => barrier(p.socket)));
  return fixture;
}

const offer = { type: 'offer' as const, sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const answer = { type: 'answer' as const, sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
const candidate = { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };

describe('relay along the star', () => {
  it('should relay an offer from the presenter to an attendee, from the presenter', async () => {
    const { presenter, ada } = await star();
    const received = nextEvent(ada.socket, 'webrtc-offer');
    expect(await presenter.socket.emitWithAck('webrtc-offer', { target: ada.id, offer })).toEqual({ ok: true });
    expect(await received).toEqual({ from: presenter.id, offer });
  });

  it('should relay an answer from an attendee to the presenter', async () => {
    const { presenter, ada } = await star();
    const received = nextEvent(presenter.socket, 'webrtc-answer');
    expect(await ada.socket.emitWithAck('webrtc-answer', { target: presenter.id, answer })).toEqual({ ok: true });
    expect(await received).toEqual({ from: ada.id, answer });
  });

  it('should relay ICE candidates both ways, the end-of-candidates null included', async () => {
    const { presenter, ada } = await star();
    const atAda = nextEvent(ada.socket, 'webrtc-ice-candidate');
    await presenter.socket.emitWithAck('webrtc-ice-candidate', { target: ada.id, candidate });
    expect(await atAda).toEqual({ from: presenter.id, candidate });
    const atPresenter = nextEvent(presenter.socket, 'webrtc-ice-candidate');
    await ada.socket.emitWithAck('webrtc-ice-candidate', { target: presenter.id, candidate: null });
    expect(await atPresenter).toEqual({ from: ada.id, candidate: null });
  });

  it('should relay media-control notices along the star', async () => {
    const { presenter, ada } = await star();
    const received = nextEvent(presenter.socket, 'media-control');
    const result = await ada.socket.emitWithAck('media-control', { target: presenter.id, action: 'video-paused', reason: 'bandwidth' });
    expect(result).toEqual({ ok: true });
    expect(await received).toEqual({ from: ada.id, action: 'video-paused', reason: 'bandwidth' });
  });

  it('should relay the presenter’s stage-feeds to an attendee, feeds included, and refuse them from an attendee', async () => {
    const { presenter, ada, bob } = await star();
    const feeds = [{ stream: '{5d7c-slot}', participantId: bob.id }];
    const received = nextEvent(ada.socket, 'media-control');
    expect(await presenter.socket.emitWithAck('media-control', { target: ada.id, action: 'stage-feeds', feeds })).toEqual({ ok: true });
    expect(await received).toEqual({ from: presenter.id, action: 'stage-feeds', feeds });
    const seenByPresenter = recordEvents(presenter.socket);
    const refused = await ada.socket.emitWithAck('media-control', { target: presenter.id, action: 'stage-feeds', feeds });
    expect(refused).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    // Feeds belong to stage-feeds only; stage-feeds needs them; more than the stage holds is refused.
    const invalid = { ok: false, error: { code: 'validation_error', message: expect.any(String) } };
    expect(await presenter.socket.emitWithAck('media-control', { target: ada.id, action: 'video-paused', feeds })).toEqual(invalid);
    expect(await presenter.socket.emitWithAck('media-control', { target: ada.id, action: 'stage-feeds' })).toEqual(invalid);
    const many = Array.from({ length: 4 }, (_, i) => ({ stream: `s${i}`, participantId: bob.id }));
    expect(await presenter.socket.emitWithAck('media-control', { target: ada.id, action: 'stage-feeds', feeds: many })).toEqual(invalid);
    await barrier(presenter.socket);
    expect(seenByPresenter).toEqual([]);
  });

  it('should deliver only to the target, not to the rest of the room', async () => {
    const { presenter, ada, bob } = await star();
    const seenByBob = recordEvents(bob.socket);
    const received = nextEvent(ada.socket, 'webrtc-offer');
    await presenter.socket.emitWithAck('webrtc-offer', { target: ada.id, offer });
    await received;
    await barrier(bob.socket);
    expect(seenByBob).toEqual([]);
  });

  it('should refuse an attendee signalling another attendee, and relay nothing', async () => {
    const { ada, bob } = await star();
    const seenByBob = recordEvents(bob.socket);
    for (const event of ['webrtc-offer', 'webrtc-answer', 'webrtc-ice-candidate', 'media-control'] as const) {
      const payload = {
        'webrtc-offer': { target: bob.id, offer },
        'webrtc-answer': { target: bob.id, answer },
        'webrtc-ice-candidate': { target: bob.id, candidate },
        'media-control': { target: bob.id, action: 'video-paused' as const },
      }[event];
      const result = await ada.socket.emitWithAck(event, payload as never);
      expect(result).toEqual({ ok: false, error: { code: 'forbidden', message: expect.any(String) } });
    }
    await barrier(bob.socket);
    expect(seenByBob).toEqual([]);
  });

  it('should refuse the presenter signalling a participant of another room', async () => {
    const { presenter, strangerAttendee } = await star();
    const seen = recordEvents(strangerAttendee.socket);
    const result = await presenter.socket.emitWithAck('webrtc-offer', { target: strangerAttendee.id, offer });
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await barrier(strangerAttendee.socket);
    expect(seen).toEqual([]);
  });

  it('should refuse a socket of another room signalling into this room', async () => {
    const { presenter, ada, stranger, strangerAttendee } = await star();
    const seen = [recordEvents(presenter.socket), recordEvents(ada.socket)];
    expect(await stranger.socket.emitWithAck('webrtc-offer', { target: ada.id, offer })).toMatchObject({ error: { code: 'forbidden' } });
    expect(await strangerAttendee.socket.emitWithAck('webrtc-answer', { target: presenter.id, answer })).toMatchObject({
      error: { code: 'forbidden' },
    });
    await barrier(presenter.socket);
    await barrier(ada.socket);
    expect(seen).toEqual([[], []]);
  });

  it('should reach the target whatever case its id is written in', async () => {
    const { presenter, ada } = await star();
    const atAda = nextEvent(ada.socket, 'webrtc-offer');
    expect(await presenter.socket.emitWithAck('webrtc-offer', { target: ada.id.toUpperCase(), offer })).toEqual({ ok: true });
    expect((await atAda).from).toBe(presenter.id);
    const atPresenter = nextEvent(presenter.socket, 'webrtc-answer');
    expect(await ada.socket.emitWithAck('webrtc-answer', { target: presenter.id.toUpperCase(), answer })).toEqual({ ok: true });
    expect((await atPresenter).from).toBe(ada.id);
  });

  it('should refuse signalling oneself and an unknown participant', async () => {
    const { presenter } = await star();
    expect(await presenter.socket.emitWithAck('webrtc-offer', { target: presenter.id, offer })).toMatchObject({ error: { code: 'forbidden' } });
    expect(await presenter.socket.emitWithAck('webrtc-offer', { target: crypto.randomUUID(), offer })).toMatchObject({
      error: { code: 'forbidden' },
    });
  });
});

describe('address privacy on the relay', () => {
  const lanHost = { candidate: 'candidate:1 1 udp 2122260223 192.168.1.20 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 };
  const srflx = { candidate: 'candidate:2 1 udp 1686052607 198.51.100.7 61000 typ srflx raddr 192.168.1.20 rport 54400', sdpMid: '0', sdpMLineIndex: 0 };
  const relay = { candidate: 'candidate:3 1 udp 41885439 203.0.113.10 50000 typ relay raddr 198.51.100.7 rport 61000', sdpMid: '0', sdpMLineIndex: 0 };
  const leakySdp = (type: 'offer' | 'answer') => ({
    type,
    sdp: `v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\nc=IN IP4 198.51.100.7\r\na=${lanHost.candidate}\r\na=${srflx.candidate}\r\na=${relay.candidate}\r\n`,
  });

  it('should deliver only relay candidates, both ways, in a room that hides addresses, and ack the dropped ones alike', async () => {
    const { presenter, ada } = await star({ hideAddresses: true });
    for (const [from, to, target] of [
      [presenter, ada, ada.id],
      [ada, presenter, presenter.id],
    ] as const) {
      const seen = recordEvents(to.socket);
      for (const c of [lanHost, srflx, relay, null]) {
        expect(await from.socket.emitWithAck('webrtc-ice-candidate', { target, candidate: c })).toEqual({ ok: true });
      }
      await barrier(to.socket);
      expect(seen).toEqual([
        {
          event: 'webrtc-ice-candidate',
          payload: { from: from.id, candidate: { ...relay, candidate: relay.candidate.replace('raddr 198.51.100.7 rport 61000', 'raddr 0.0.0.0 rport 0') } },
        },
        { event: 'webrtc-ice-candidate', payload: { from: from.id, candidate: null } },
      ]);
    }
  });

  it('should strip host and srflx candidates and connection addresses from the SDP in a room that hides addresses', async () => {
    const { presenter, ada } = await star({ hideAddresses: true });
    const atAda = nextEvent(ada.socket, 'webrtc-offer');
    await presenter.socket.emitWithAck('webrtc-offer', { target: ada.id, offer: leakySdp('offer') });
    const atPresenter = nextEvent(presenter.socket, 'webrtc-answer');
    await ada.socket.emitWithAck('webrtc-answer', { target: presenter.id, answer: leakySdp('answer') });
    for (const sdp of [(await atAda).offer.sdp!, (await atPresenter).answer.sdp!]) {
      expect(sdp).not.toMatch(/192\.168\.1\.20|198\.51\.100\.7|typ host|typ srflx/);
      expect(sdp).toContain('typ relay raddr 0.0.0.0 rport 0');
    }
  });

  it('should keep an attendee’s LAN host candidates from the presenter when the room asks, and nothing else', async () => {
    const { presenter, ada } = await star({ hideLanAddresses: true });
    const atPresenter = recordEvents(presenter.socket);
    for (const c of [lanHost, srflx]) await ada.socket.emitWithAck('webrtc-ice-candidate', { target: presenter.id, candidate: c });
    await barrier(presenter.socket);
    expect(atPresenter).toEqual([{ event: 'webrtc-ice-candidate', payload: { from: ada.id, candidate: srflx } }]);
    // The presenter's own candidates are the presenter's choice to share with the audience.
    const atAda = nextEvent(ada.socket, 'webrtc-ice-candidate');
    await presenter.socket.emitWithAck('webrtc-ice-candidate', { target: ada.id, candidate: lanHost });
    expect(await atAda).toEqual({ from: presenter.id, candidate: lanHost });
  });

  it('should relay every candidate unchanged in an open room', async () => {
    const { presenter, ada } = await star();
    const atPresenter = recordEvents(presenter.socket);
    for (const c of [lanHost, srflx, relay]) await ada.socket.emitWithAck('webrtc-ice-candidate', { target: presenter.id, candidate: c });
    await barrier(presenter.socket);
    expect(atPresenter.map(({ payload }) => (payload as { candidate: unknown }).candidate)).toEqual([lanHost, srflx, relay]);
  });
});

describe('size limits', () => {
  it('should accept an SDP of exactly the limit and refuse one byte more', async () => {
    const { presenter, ada } = await star();
    const fits = 'v=0\r\n' + 'a'.repeat(MAX_SDP_BYTES - 5);
    const received = nextEvent(ada.socket, 'webrtc-offer');
    expect(await presenter.socket.emitWithAck('webrtc-offer', { target: ada.id, offer: { type: 'offer', sdp: fits } })).toEqual({ ok: true });
    expect((await received).offer.sdp).toHaveLength(MAX_SDP_BYTES);
    const tooBig = await presenter.socket.emitWithAck('webrtc-offer', { target: ada.id, offer: { type: 'offer', sdp: fits + 'a' } });
    expect(tooBig).toMatchObject({ ok: false, error: { code: 'validation_error' } });
  });

  it('should count SDP and candidate limits in bytes, not characters', async () => {
    const { presenter, ada } = await star();
    // 'é' is two bytes in UTF-8: half as many characters already reach the limit.
    const sdp = 'é'.repeat(MAX_SDP_BYTES / 2 + 1);
    expect(await presenter.socket.emitWithAck('webrtc-offer', { target: ada.id, offer: { type: 'offer', sdp } })).toMatchObject({
      error: { code: 'validation_error' },
    });
    const longCandidate = { candidate: 'é'.repeat(MAX_CANDIDATE_BYTES / 2 + 1) };
    expect(await ada.socket.emitWithAck('webrtc-ice-candidate', { target: presenter.id, candidate: longCandidate })).toMatchObject({
      error: { code: 'validation_error' },
    });
  });
});

describe('webrtc-report', () => {
  it('should ack a valid report and hand it to the metrics hook with who sent it', async () => {
    const { room, presenter, ada } = await star();
    const before = reports.length;
    const result = await ada.socket.emitWithAck('webrtc-report', { peerId: presenter.id, outcome: 'failed', timeToConnectMs: 1200, iceRestarts: 2 });
    expect(result).toEqual({ ok: true });
    expect(reports.slice(before)).toEqual([
      { peerId: presenter.id, outcome: 'failed', timeToConnectMs: 1200, iceRestarts: 2, roomId: room.id, participantId: ada.id, role: 'attendee' },
    ]);
  });

  it('should refuse a report with an unknown outcome without calling the hook', async () => {
    const { presenter, ada } = await star();
    const before = reports.length;
    const result = await ada.socket.emitWithAck('webrtc-report', { peerId: presenter.id, outcome: 'exploded' } as never);
    expect(result).toMatchObject({ ok: false, error: { code: 'validation_error' } });
    expect(reports.length).toBe(before);
  });
});
