import { describe, expect, it } from 'vitest';
import { listPolls, pollResults } from '../db/polls.ts';
import { barrier, createTestRoom, joinAs, nextEvent, recordEvents, useSignaling, type TestClient } from './testing.ts';

const live = useSignaling();

async function roomWithAttendees(count: number) {
  const { room, presenter, addAttendee } = await createTestRoom(live.db, { maxParticipants: 100 });
  const host = (await joinAs(live.url, presenter, room.slug)).socket;
  const attendees: TestClient[] = [];
  for (let i = 0; i < count; i++) attendees.push((await joinAs(live.url, await addAttendee(`Voter ${i}`), room.slug)).socket);
  return { room, host, attendees };
}

async function ok<T extends object>(result: Promise<{ ok: true } & T | { ok: false; error: { code: string } }>): Promise<T> {
  const r = await result;
  if (!r.ok) throw new Error(`refused: ${r.error.code}`);
  return r;
}

describe('polls over the socket', () => {
  it('should keep a draft from attendees, open it for votes, count changed votes once, and share results at close', async () => {
    const { room, host, attendees } = await roomWithAttendees(2);
    const [ada, bob] = attendees as [TestClient, TestClient];
    const adaSaw = recordEvents(ada);

    const { poll } = await ok(host.emitWithAck('create-poll', { question: 'Which day?', options: ['Monday', 'Friday'] }));
    expect(poll).toMatchObject({ status: 'draft', allowsMultiple: false, resultsVisible: false, options: ['Monday', 'Friday'] });
    const refused = await ada.emitWithAck('vote-poll', { pollId: poll.id, choices: [0] });
    expect(refused).toMatchObject({ ok: false, error: { code: 'poll_not_found' } });
    await barrier(ada);
    expect(adaSaw.filter((e) => e.event.startsWith('poll'))).toEqual([]);

    const launched = nextEvent(ada, 'poll-updated');
    await ok(host.emitWithAck('launch-poll', { pollId: poll.id }));
    expect((await launched).poll).toMatchObject({ id: poll.id, status: 'open', results: null });

    const hostResults = nextEvent(host, 'poll-results', 5000, (p) => p.results.voters === 1);
    expect((await ok(ada.emitWithAck('vote-poll', { pollId: poll.id, choices: [0] }))).poll).toMatchObject({ myChoices: [0], results: null });
    expect((await hostResults).results).toEqual({ counts: [1, 0], voters: 1 });
    // Changing one's mind moves the vote; it is never counted twice.
    await ok(ada.emitWithAck('vote-poll', { pollId: poll.id, choices: [1] }));
    await ok(bob.emitWithAck('vote-poll', { pollId: poll.id, choices: [1] }));
    expect(await pollResults(live.db, { id: poll.id, options: ['Monday', 'Friday'] })).toEqual({ counts: [0, 2], voters: 2 });
    await barrier(ada);
    expect(adaSaw.filter((e) => e.event === 'poll-results')).toEqual([]);

    const shared = nextEvent(bob, 'poll-results');
    const closed = await ok(host.emitWithAck('close-poll', { pollId: poll.id, shareResults: true }));
    expect(closed.poll).toMatchObject({ status: 'closed', resultsShared: true, results: { counts: [0, 2], voters: 2 } });
    expect(await shared).toEqual({ pollId: poll.id, results: { counts: [0, 2], voters: 2 } });
    expect(await ada.emitWithAck('vote-poll', { pollId: poll.id, choices: [0] })).toMatchObject({ ok: false, error: { code: 'poll_not_open' } });
    expect((await listPolls(live.db, room.id)).map((p) => p.status)).toEqual(['closed']);
  });

  it('should refuse bad input and attendees preparing polls, and change nothing', async () => {
    const { room, host, attendees } = await roomWithAttendees(1);
    const ada = attendees[0]!;
    const bad = [
      { question: 'One option?', options: ['Only'] },
      { question: 'Too many', options: Array.from({ length: 11 }, (_, i) => `O${i}`) },
      { question: '', options: ['A', 'B'] },
      { question: 'Same twice', options: ['Yes', 'yes'] },
      { question: 'Bad type', options: 'A,B' },
    ];
    for (const payload of bad) {
      expect(await host.emitWithAck('create-poll', payload as never)).toMatchObject({ ok: false, error: { code: 'validation_error' } });
    }
    expect(await ada.emitWithAck('create-poll', { question: 'Mine?', options: ['A', 'B'] })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const { poll } = await ok(host.emitWithAck('create-poll', { question: 'Pick', options: ['A', 'B', 'C'] }));
    expect(await ada.emitWithAck('launch-poll', { pollId: poll.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    await ok(host.emitWithAck('launch-poll', { pollId: poll.id }));
    for (const choices of [[0, 1], [3], [], [-1], ['a']]) {
      expect(await ada.emitWithAck('vote-poll', { pollId: poll.id, choices } as never)).toMatchObject({ ok: false, error: { code: 'validation_error' } });
    }
    expect(await ada.emitWithAck('close-poll', { pollId: poll.id })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await pollResults(live.db, { id: poll.id, options: ['A', 'B', 'C'] })).toEqual({ counts: [0, 0, 0], voters: 0 });
    expect((await listPolls(live.db, room.id)).map((p) => p.status)).toEqual(['open']);
  });

  it('should count 50 parallel votes exactly, with multiple choice and live results for everyone', async () => {
    const { host, attendees } = await roomWithAttendees(50);
    const { poll } = await ok(
      host.emitWithAck('create-poll', { question: 'Which topics?', options: ['A', 'B', 'C'], allowsMultiple: true, resultsVisible: true }),
    );
    await ok(host.emitWithAck('launch-poll', { pollId: poll.id }));
    const last = attendees[49]!;
    const allSeen = nextEvent(last, 'poll-results', 10_000, (p) => p.results.voters === 50);
    // Voter i picks A always, B when i is even, C when i is divisible by 5.
    await Promise.all(
      attendees.map((socket, i) =>
        ok(socket.emitWithAck('vote-poll', { pollId: poll.id, choices: [0, ...(i % 2 === 0 ? [1] : []), ...(i % 5 === 0 ? [2] : [])] })),
      ),
    );
    expect((await allSeen).results).toEqual({ counts: [50, 25, 10], voters: 50 });
    const closed = await ok(host.emitWithAck('close-poll', { pollId: poll.id, shareResults: false }));
    expect(closed.poll.results).toEqual({ counts: [50, 25, 10], voters: 50 });
  });

  it('should close exactly: votes racing the close are either counted or refused', async () => {
    const { host, attendees } = await roomWithAttendees(20);
    const { poll } = await ok(host.emitWithAck('create-poll', { question: 'Race?', options: ['Yes', 'No'] }));
    await ok(host.emitWithAck('launch-poll', { pollId: poll.id }));
    const votes = attendees.map((s) => s.emitWithAck('vote-poll', { pollId: poll.id, choices: [0] }));
    const closed = await ok(host.emitWithAck('close-poll', { pollId: poll.id }));
    const accepted = (await Promise.all(votes)).filter((r) => r.ok).length;
    expect(closed.poll.results).toEqual({ counts: [accepted, 0], voters: accepted });
    expect(await pollResults(live.db, { id: poll.id, options: ['Yes', 'No'] })).toEqual({ counts: [accepted, 0], voters: accepted });
  });
});
