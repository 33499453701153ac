import { describe, expect, it } from 'vitest';
import { findParticipant } from '../db/participants.ts';
import { findRoomById } from '../db/rooms.ts';
import { barrier, connect, createTestRoom, joinAs, nextEvent, recordEvents, roomState, useSignaling } from './testing.ts';

const live = useSignaling({ RECONNECT_GRACE_MS: '60000' });

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

/** A room of three seats (the presenter's included) with both attendee seats taken. */
async function fullRoom() {
  const made = await createTestRoom(live.db, { maxParticipants: 3 });
  const [ada, bob] = [await made.addAttendee('Ada'), await made.addAttendee('Bob')];
  const presenterSocket = (await joinAs(live.url, made.presenter, made.room.slug)).socket;
  const adaSocket = (await joinAs(live.url, ada, made.room.slug)).socket;
  const bobSocket = (await joinAs(live.url, bob, made.room.slug)).socket;
  await Promise.all([presenterSocket, adaSocket, bobSocket].map(barrier));
  return { ...made, ada, bob, presenterSocket, adaSocket, bobSocket };
}

describe('leave-room', () => {
  it('should free the seat at once, tell the room, answer, then close the leaver’s socket and refuse their token', async () => {
    const { room, ada, presenterSocket, adaSocket, addAttendee } = await fullRoom();
    // The room is full: a third attendee is refused until someone leaves.
    await expect(addAttendee('Cy')).rejects.toThrow('room_full');
    const left = nextEvent(presenterSocket, 'participant-left');
    const closed = new Promise<string>((resolve) => adaSocket.once('disconnect', resolve));
    // A reconnect grace of a minute: nothing but the leave itself can free the seat within this test.
    expect(await adaSocket.emitWithAck('leave-room', {})).toEqual({ ok: true });
    expect(await left).toEqual({ participantId: ada.id });
    expect(await closed).toBe('io server disconnect');
    expect((await findParticipant(live.db, room.id, ada.id))?.leftAt).toBeInstanceOf(Date);
    const cy = await addAttendee('Cy');
    expect(cy.id).toEqual(expect.any(String));
    await expect(connect(live.url, ada.token)).rejects.toThrow();
  });

  it('should refuse the presenter, who ends the session instead, and change nothing', async () => {
    const { room, presenterSocket, adaSocket } = await fullRoom();
    const before = await roomState(live.db, room.id);
    const seen = recordEvents(adaSocket);
    expect(code(await presenterSocket.emitWithAck('leave-room', {}))).toBe('forbidden');
    await barrier(adaSocket);
    expect(seen).toEqual([]);
    expect(await roomState(live.db, room.id)).toEqual(before);
    expect(presenterSocket.connected).toBe(true);
  });

  it('should not let another room’s attendee free a seat here', async () => {
    const { room, adaSocket } = await fullRoom();
    const other = await createTestRoom(live.db);
    const stranger = (await joinAs(live.url, await other.addAttendee('Eve'), other.room.slug)).socket;
    const before = await roomState(live.db, room.id);
    const seen = recordEvents(adaSocket);
    expect(await stranger.emitWithAck('leave-room', {})).toEqual({ ok: true });
    await barrier(adaSocket);
    expect(seen).toEqual([]);
    expect(await roomState(live.db, room.id)).toEqual(before);
  });
});

describe('set-capacity', () => {
  it('should let the presenter raise the limit live and tell the room', async () => {
    const { room, presenterSocket, adaSocket, addAttendee } = await fullRoom();
    const told = nextEvent(adaSocket, 'room-capacity');
    expect(await presenterSocket.emitWithAck('set-capacity', { maxParticipants: 4 })).toEqual({ ok: true, maxParticipants: 4 });
    expect(await told).toEqual({ maxParticipants: 4 });
    expect((await findRoomById(live.db, room.id))?.maxParticipants).toBe(4);
    await addAttendee('Cy');
    await expect(addAttendee('Dee')).rejects.toThrow('room_full');
  });

  it('should refuse a limit below the seats held, bad values and anyone but the presenter, changing nothing', async () => {
    const made = await fullRoom();
    const { room, presenterSocket, adaSocket, bobSocket } = made;
    const { ada } = made;
    expect(code(await presenterSocket.emitWithAck('set-co-host', { participantId: ada.id, coHost: true }))).toBe('ok');
    const before = await roomState(live.db, room.id);
    const seen = recordEvents(bobSocket);
    const below = await presenterSocket.emitWithAck('set-capacity', { maxParticipants: 2 });
    expect(below).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringContaining('3 people hold a seat') } });
    for (const payload of [{ maxParticipants: 1 }, { maxParticipants: 501 }, { maxParticipants: 3.5 }, { maxParticipants: '10' }, {}, null]) {
      expect(code(await presenterSocket.emitWithAck('set-capacity', payload as never)), JSON.stringify(payload)).toBe('validation_error');
    }
    // Neither an attendee nor a co-host sets the limit.
    expect(code(await adaSocket.emitWithAck('set-capacity', { maxParticipants: 10 }))).toBe('forbidden');
    expect(code(await bobSocket.emitWithAck('set-capacity', { maxParticipants: 10 }))).toBe('forbidden');
    await barrier(bobSocket);
    expect(seen).toEqual([]);
    expect(await roomState(live.db, room.id)).toEqual(before);
  });
});

describe('answering without text', () => {
  it('should mark a question answered with one click, tell the room, and tell the asker alone', async () => {
    const { presenterSocket, adaSocket, bobSocket } = await fullRoom();
    const asked = await adaSocket.emitWithAck('ask-question', { question: 'Will there be a recording?' });
    if (!asked.ok) throw new Error(JSON.stringify(asked));
    await barrier(bobSocket);
    const room = nextEvent(bobSocket, 'question-answered');
    const asker = nextEvent(adaSocket, 'your-question-answered');
    const seenByBob = recordEvents(bobSocket);
    expect(code(await presenterSocket.emitWithAck('answer-question', { questionId: asked.question.id }))).toBe('ok');
    expect(await room).toMatchObject({ questionId: asked.question.id, answer: null, answeredAt: expect.any(String) });
    expect(await asker).toEqual({ questionId: asked.question.id, question: 'Will there be a recording?', answer: null });
    await barrier(bobSocket);
    expect(seenByBob.map((e) => e.event)).not.toContain('your-question-answered');
    // An answer with text later keeps the question answered and carries the text.
    const again = nextEvent(adaSocket, 'your-question-answered');
    await presenterSocket.emitWithAck('answer-question', { questionId: asked.question.id, answer: 'Yes, by Friday' });
    expect(await again).toMatchObject({ answer: 'Yes, by Friday' });
  });
});
