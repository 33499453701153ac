import { describe, expect, it } from 'vitest';
import { barrier, connect, createTestRoom, joinAs, nextEvent, recordEvents, roomState, useSignaling } from './testing.ts';

const live = useSignaling({ RATE_LIMITS: 'off' });

/** A room with a presenter, a co-host, a speaker, an attendee and a target, all connected. */
async function stageRoom() {
  const { room, presenter, addAttendee } = await createTestRoom(live.db);
  const [coHost, speaker, attendee, target] = await Promise.all(['Co', 'Speaker', 'Attendee', 'Target'].map((n) => addAttendee(n)));
  const join = async (p: { id: string; token: string; name: string }) => (await joinAs(live.url, p, room.slug)).socket;
  const sockets = {
    presenter: await join(presenter),
    coHost: await join(coHost!),
    speaker: await join(speaker!),
    attendee: await join(attendee!),
    target: await join(target!),
  };
  const must = async <T extends { ok: boolean }>(p: Promise<T>) => {
    const r = await p;
    if (!r.ok) throw new Error(JSON.stringify(r));
    return r;
  };
  await must(sockets.presenter.emitWithAck('set-co-host', { participantId: coHost!.id, coHost: true }));
  await must(sockets.presenter.emitWithAck('stage-invite', { participantId: speaker!.id }));
  await must(sockets.speaker.emitWithAck('stage-answer', { accept: true }));
  const ids = { presenter: presenter.id, coHost: coHost!.id, speaker: speaker!.id, attendee: attendee!.id, target: target!.id };
  return { room, ids, sockets, targetToken: target!.token };
}

const code = (r: { ok: boolean; error?: { code: string } }) => (r.ok ? 'ok' : r.error!.code);

describe('socket-only moderation events: who may do what', () => {
  it('should let only attendees in the audience raise a hand, and keep the queue in order', async () => {
    const { sockets } = await stageRoom();
    expect(code(await sockets.presenter.emitWithAck('raise-hand', { raised: true }))).toBe('forbidden');
    // On stage there is nothing to ask for.
    expect(code(await sockets.speaker.emitWithAck('raise-hand', { raised: true }))).toBe('conflict');
    const first = await sockets.target.emitWithAck('raise-hand', { raised: true });
    const second = await sockets.attendee.emitWithAck('raise-hand', { raised: true });
    if (!first.ok || !second.ok) throw new Error('refused');
    expect(first.participant.handRaisedAt! <= second.participant.handRaisedAt!).toBe(true);
    // Raising again keeps the place in the queue.
    const again = await sockets.target.emitWithAck('raise-hand', { raised: true });
    expect(again.ok && again.participant.handRaisedAt).toBe(first.participant.handRaisedAt);
  });

  it('should let only the invited attendee answer an invitation, and hosts or the speaker end a stage turn', async () => {
    const { sockets, ids } = await stageRoom();
    expect(code(await sockets.attendee.emitWithAck('stage-answer', { accept: true }))).toBe('conflict');
    expect(code(await sockets.attendee.emitWithAck('stage-leave', { participantId: ids.speaker }))).toBe('forbidden');
    expect(code(await sockets.attendee.emitWithAck('stop-camera', { participantId: ids.speaker }))).toBe('forbidden');
    expect(code(await sockets.speaker.emitWithAck('stop-camera', { participantId: ids.target }))).toBe('forbidden');
    expect(code(await sockets.coHost.emitWithAck('stop-camera', { participantId: ids.speaker }))).toBe('ok');
    expect(code(await sockets.coHost.emitWithAck('stage-leave', { participantId: ids.speaker }))).toBe('ok');
    expect(code(await sockets.speaker.emitWithAck('stage-leave', {}))).toBe('conflict');
  });

  it('should refuse every moderation event of another room', async () => {
    const first = await stageRoom();
    const second = await stageRoom();
    // A co-host of one room names a participant of the other: not found there, nothing changes.
    const before = await roomState(live.db, second.room.id);
    for (const [event, payload] of [
      ['remove-participant', { participantId: second.ids.target, ban: true }],
      ['stage-invite', { participantId: second.ids.target }],
      ['mute-participant', { participantId: second.ids.target, muted: true }],
      ['stage-leave', { participantId: second.ids.speaker }],
    ] as const) {
      expect(code(await first.sockets.coHost.emitWithAck(event as 'stage-invite', payload as never))).toBe('participant_not_found');
    }
    expect(await roomState(live.db, second.room.id)).toEqual(before);
  });
});

describe('enforced mute', () => {
  it('should refuse an attendee’s open microphone unless on stage or allowed, and a host’s lock until lifted', async () => {
    const { sockets, ids } = await stageRoom();
    expect(code(await sockets.attendee.emitWithAck('media-state', { audio: true, video: false }))).toBe('forbidden');
    expect(code(await sockets.speaker.emitWithAck('media-state', { audio: true, video: true }))).toBe('ok');
    expect(code(await sockets.presenter.emitWithAck('room-options', { attendeeMicrophones: true }))).toBe('ok');
    expect(code(await sockets.attendee.emitWithAck('media-state', { audio: true, video: false }))).toBe('ok');
    // Mute all locks everyone but the presenter, co-hosts and speakers included; it counts the two microphones that were on.
    const muted = nextEvent(sockets.speaker, 'muted-by-presenter');
    const all = await sockets.presenter.emitWithAck('mute-all-attendees', {});
    expect(all.ok && all.muted).toBe(2);
    await muted;
    for (const socket of [sockets.attendee, sockets.speaker, sockets.coHost]) {
      expect(code(await socket.emitWithAck('media-state', { audio: true, video: false }))).toBe('forbidden');
    }
    expect(code(await sockets.presenter.emitWithAck('media-state', { audio: true, video: true }))).toBe('ok');
    expect(code(await sockets.presenter.emitWithAck('mute-participant', { participantId: ids.speaker, muted: false }))).toBe('ok');
    expect(code(await sockets.speaker.emitWithAck('media-state', { audio: true, video: true }))).toBe('ok');
  });
});

describe('removal over the socket', () => {
  it('should tell the removed participant, close their sockets at once and refuse them on reconnect', async () => {
    const { room, sockets, ids, targetToken } = await stageRoom();
    const told = nextEvent(sockets.target, 'removed');
    const closed = new Promise<string>((resolve) => sockets.target.once('disconnect', resolve));
    const left = nextEvent(sockets.attendee, 'participant-left', 5000, (p) => p.participantId === ids.target);
    expect(code(await sockets.coHost.emitWithAck('remove-participant', { participantId: ids.target, ban: false }))).toBe('ok');
    expect(await told).toEqual({ banned: false });
    expect(await closed).toBe('io server disconnect');
    await left;
    const target = (await roomState(live.db, room.id)).participants.find((p) => p.id === ids.target);
    expect(target).toBeUndefined();
    // The same token cannot come back.
    await expect(connect(live.url, targetToken)).rejects.toThrow('removed');
  });

  it('should not let a co-host remove another co-host or the presenter', async () => {
    const { sockets, ids } = await stageRoom();
    await sockets.presenter.emitWithAck('set-co-host', { participantId: ids.attendee, coHost: true });
    expect(code(await sockets.coHost.emitWithAck('remove-participant', { participantId: ids.attendee, ban: false }))).toBe('participant_not_found');
    expect(code(await sockets.coHost.emitWithAck('remove-participant', { participantId: ids.presenter, ban: false }))).toBe('participant_not_found');
    expect(code(await sockets.presenter.emitWithAck('remove-participant', { participantId: ids.attendee, ban: false }))).toBe('ok');
  });
});

describe('approval flow over the socket', () => {
  it('should send a question awaiting approval to hosts only, and to the room once approved', async () => {
    const { sockets } = await stageRoom();
    expect(code(await sockets.presenter.emitWithAck('room-options', { questionsNeedApproval: true }))).toBe('ok');
    const attendeeHeard = recordEvents(sockets.attendee);
    const hostsHear = [nextEvent(sockets.presenter, 'question-for-hosts'), nextEvent(sockets.coHost, 'question-for-hosts')];
    const asked = await sockets.target.emitWithAck('ask-question', { question: 'May I?' });
    if (!asked.ok) throw new Error('refused');
    expect(asked.question.status).toBe('pending');
    for (const heard of await Promise.all(hostsHear)) expect(heard.question).toMatchObject({ id: asked.question.id, status: 'pending', name: 'Target' });
    await barrier(sockets.attendee);
    expect(attendeeHeard.filter((e) => e.event.includes('question'))).toEqual([]);
    const listed = await sockets.attendee.emitWithAck('list-questions', {});
    expect(listed.ok && listed.questions).toEqual([]);
    const hostList = await sockets.coHost.emitWithAck('list-questions', {});
    expect(hostList.ok && hostList.questions.map((q) => q.id)).toEqual([asked.question.id]);

    const broadcast = nextEvent(sockets.attendee, 'new-question');
    expect(code(await sockets.coHost.emitWithAck('approve-question', { questionId: asked.question.id }))).toBe('ok');
    expect((await broadcast).question).toMatchObject({ id: asked.question.id, status: 'visible' });

    const highlighted = nextEvent(sockets.attendee, 'question-highlighted');
    expect(code(await sockets.presenter.emitWithAck('highlight-question', { questionId: asked.question.id }))).toBe('ok');
    expect(await highlighted).toEqual({ questionId: asked.question.id });
  });

  it('should delete a chat message for everyone', async () => {
    const { sockets, room } = await stageRoom();
    const sent = await sockets.attendee.emitWithAck('chat-message', { roomSlug: room.slug, message: 'oops' });
    if (!sent.ok) throw new Error(sent.error.code);
    expect(code(await sockets.target.emitWithAck('delete-chat-message', { messageId: sent.message.id }))).toBe('forbidden');
    const deleted = nextEvent(sockets.target, 'chat-message-deleted');
    expect(code(await sockets.coHost.emitWithAck('delete-chat-message', { messageId: sent.message.id }))).toBe('ok');
    expect(await deleted).toEqual({ messageId: sent.message.id });
    expect(code(await sockets.coHost.emitWithAck('delete-chat-message', { messageId: sent.message.id }))).toBe('message_not_found');
  });
});

