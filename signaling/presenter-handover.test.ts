import { describe, expect, it } from 'vitest';
import { createTestRoom, joinAs, nextEvent, useSignaling } from './testing.ts';

const live = useSignaling();

describe('presenter handover over the socket', () => {
  it('should move the role to a co-host, tell the room, and resolve roles afresh on every reconnect', async () => {
    const { room, presenter, addAttendee } = await createTestRoom(live.db);
    const [co, ada] = [await addAttendee('Co'), await addAttendee('Ada')];
    const host = (await joinAs(live.url, presenter, room.slug)).socket;
    const coSocket = (await joinAs(live.url, co, room.slug)).socket;
    const adaSocket = (await joinAs(live.url, ada, room.slug)).socket;
    expect(await host.emitWithAck('set-co-host', { participantId: co.id, coHost: true })).toMatchObject({ ok: true });

    // Only a co-host can become the presenter, and a co-host cannot take over while the presenter is here.
    expect(await host.emitWithAck('hand-over-presenter', { participantId: ada.id })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await coSocket.emitWithAck('take-over-presenting', {})).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await adaSocket.emitWithAck('hand-over-presenter', { participantId: co.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const told = nextEvent(adaSocket, 'presenter-changed');
    const closed = new Promise((resolve) => adaSocket.once('disconnect', resolve));
    const handed = await host.emitWithAck('hand-over-presenter', { participantId: co.id });
    expect(handed).toMatchObject({ ok: true, participant: { id: co.id, role: 'presenter', isCoHost: false } });
    expect(await told).toEqual({ presenterId: co.id, previousPresenterId: presenter.id, presenterName: 'Co' });
    // A page that reloaded at once joins before the room's sockets are closed: it knows the new presenter already,
    // so its fresh connection is spared (closing it would drop the hello its media link sent the new presenter).
    const quick = await joinAs(live.url, ada, room.slug);
    expect(quick.joined).toMatchObject({ presenterId: co.id });
    let quickDropped = false;
    quick.socket.once('disconnect', () => (quickDropped = true));
    expect(await closed).toBe('io server disconnect');
    await new Promise((done) => setTimeout(done, 300));
    expect(quickDropped).toBe(false);
    expect(quick.socket.connected).toBe(true);
    quick.socket.close();

    // Reconnected, each token speaks with its new role: the new presenter's join names itself, the old one is a co-host.
    const newHost = await joinAs(live.url, co, room.slug);
    expect(newHost.joined).toMatchObject({ self: { participantId: co.id, role: 'presenter' }, presenterId: co.id });
    const oldHost = await joinAs(live.url, presenter, room.slug);
    expect(oldHost.joined).toMatchObject({ self: { participantId: presenter.id, role: 'attendee' }, presenterId: co.id });
    expect(oldHost.joined.ok && oldHost.joined.participants.find((p) => p.id === presenter.id)).toMatchObject({ isCoHost: true });
    expect(await oldHost.socket.emitWithAck('end-room', {})).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await newHost.socket.emitWithAck('end-room', {})).toMatchObject({ ok: true });
  });
});
